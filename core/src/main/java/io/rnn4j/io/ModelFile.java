package io.rnn4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * The one-file model format: a readable JSON architecture followed by the weights as
 * little-endian float32, sealed by a SHA-256 of everything before it.
 *
 * <pre>
 *   8 bytes   magic "RNN4JMDL"
 *   u32 LE    format version (1)
 *   u32 LE    length of the JSON in bytes
 *   ...       JSON, UTF-8 (opening the file in a text viewer shows the architecture)
 *   u64 LE    number of float32 weight values
 *   ...       weights, float32 little-endian, in the order the JSON lists them
 *   32 bytes  SHA-256 of all bytes above
 * </pre>
 *
 * Writes go to a temporary file in the target directory, are forced to disk and then renamed
 * into place atomically, so a crash or a full disk never leaves a half-written model under the
 * target name. Reads check the magic, the version, every length against the file size and the
 * checksum before anything is parsed. There is no Java serialization.
 */
public final class ModelFile {
    /** The 8 bytes every rnn4j model file starts with. */
    public static final byte[] MAGIC = "RNN4JMDL".getBytes(StandardCharsets.US_ASCII);
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    private static final int HASH_BYTES = 32;
    private static final int MIN_SIZE = 8 + 4 + 4 + 8 + HASH_BYTES;

    /** What a model file holds. */
    public record Contents(String json, float[] weights) {
    }

    private ModelFile() {
    }

    /** Writes {@code json} and {@code weights} to {@code target} atomically. */
    public static void write(Path target, String json, float[] weights) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new NoSuchFileException(String.valueOf(dir), null,
                    "cannot save model to " + target + ": the directory does not exist");
        }
        if (Files.isDirectory(abs)) {
            throw new IOException("cannot save model to " + target + ": it is a directory");
        }
        byte[] js = json.getBytes(StandardCharsets.UTF_8);
        long total = (long) MIN_SIZE + js.length + 4L * weights.length;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IOException("cannot save model to " + target + ": " + total + " bytes exceed the 2 GiB format limit");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(MAGIC).putInt(VERSION).putInt(js.length).put(js).putLong(weights.length);
        for (float w : weights) {
            buf.putFloat(w);
        }
        buf.put(sha256(buf.array(), 0, buf.position()));
        buf.flip();

        Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot save model to " + target + ": the file system cannot rename atomically", e);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Reads and verifies a model file. */
    public static Contents read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "model file does not exist");
        }
        if (!Files.isRegularFile(path)) {
            throw new ModelFormatException(path + " is not a regular file");
        }
        long size = Files.size(path);
        if (size > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(path + " is not an rnn4j model file (" + size + " bytes is over the format limit)");
        }
        byte[] all = Files.readAllBytes(path);
        if (all.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
            throw new ModelFormatException(path + " is not an rnn4j model file (it does not start with \"RNN4JMDL\")");
        }
        if (all.length < MIN_SIZE) {
            throw new ModelFormatException(path + " is truncated: " + all.length + " bytes, an rnn4j model file has at least " + MIN_SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        b.position(MAGIC.length);
        int version = b.getInt();
        if (version != VERSION) {
            throw new ModelFormatException(path + " has model format version " + version + "; this rnn4j reads version " + VERSION);
        }
        long jsonLen = Integer.toUnsignedLong(b.getInt());
        long afterJson = 16 + jsonLen;
        if (afterJson + 8 + HASH_BYTES > all.length) {
            throw new ModelFormatException(path + " is truncated or corrupted: its header announces " + jsonLen
                    + " bytes of JSON but the file has " + all.length + " bytes");
        }
        long count = b.getLong((int) afterJson);
        long expected = afterJson + 8 + 4 * count + HASH_BYTES;
        if (count < 0 || expected != all.length) {
            throw new ModelFormatException(path + " is " + (count >= 0 && expected > all.length ? "truncated" : "corrupted")
                    + ": it announces " + count + " weights (" + expected + " bytes in all) but has " + all.length + " bytes");
        }
        byte[] hash = sha256(all, 0, all.length - HASH_BYTES);
        if (!Arrays.equals(hash, Arrays.copyOfRange(all, all.length - HASH_BYTES, all.length))) {
            throw new ModelFormatException(path + " is corrupted: its SHA-256 checksum does not match its contents");
        }
        String json = new String(all, 16, (int) jsonLen, StandardCharsets.UTF_8);
        float[] w = new float[(int) count];
        b.position((int) afterJson + 8);
        for (int i = 0; i < w.length; i++) {
            w[i] = b.getFloat();
        }
        return new Contents(json, w);
    }

    /** Concatenates weight arrays in order (the file's weight section). */
    public static float[] flatten(List<float[]> arrays) {
        int n = 0;
        for (float[] a : arrays) {
            n = Math.addExact(n, a.length);
        }
        float[] out = new float[n];
        int o = 0;
        for (float[] a : arrays) {
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }

    private static byte[] sha256(byte[] data, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
