package io.rnn4j.io;

import io.rnn4j.Tensor;
import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;
import io.rnn4j.layer.Dense;
import io.rnn4j.loss.MeanSquaredError;
import io.rnn4j.model.FitOptions;
import io.rnn4j.model.Input;
import io.rnn4j.model.ModelCheckpoint;
import io.rnn4j.model.Mode;
import io.rnn4j.model.Sequential;
import io.rnn4j.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {
    static final Backend B = Backends.get("java");

    @TempDir
    Path dir;

    static Sequential trained() {
        Random r = new Random(4);
        int n = 20, t = 6, f = 3;
        float[] x = new float[n * t * f];
        float[] y = new float[n * t * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < y.length; i++) {
            y[i] = (float) r.nextGaussian();
        }
        Sequential m = new Sequential("roundtrip").onBackend(B).add(Input.of(Input.NONE, f))
                .add(new Dense("rt_1", 5, Activation.TANH, true, 1L))
                .add(new Dense("rt_2", 2, Activation.LINEAR, false, 2L));
        m.compile(new Adam(0.01), new MeanSquaredError());
        m.fit(B.fromArray(x, n, t, f), B.fromArray(y, n, t, 2), new FitOptions().epochs(2).batchSize(7).seed(1).verbose(0));
        return m;
    }

    static Tensor probe() {
        Random r = new Random(99);
        float[] x = new float[3 * 9 * 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return B.fromArray(x, 3, 9, 3);
    }

    @Test
    void roundTripPredictsBitForBit() throws IOException {
        Sequential m = trained();
        Path file = dir.resolve("model.rnn4j");
        m.save(file);
        Sequential back = Sequential.load(file, B);
        float[] a = m.predict(probe()).toArray();
        float[] b = back.predict(probe()).toArray();
        for (int i = 0; i < a.length; i++) {
            assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "element " + i);
        }
        assertEquals(m.summary().replace("roundtrip", "x"), back.summary().replace("roundtrip", "x"));
        assertEquals("mean_squared_error", back.loss().name());
        assertEquals(m.optimizer().config(), back.optimizer().config(), "optimizer restored with its hyper-parameters");
        // the architecture is readable JSON inside the file
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("\"class_name\": \"Dense\"") && text.contains("\"input_shape\": [null, 3]"), text);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file left");
        }
        // saving again over the same name replaces it atomically
        m.save(file);
        assertArrayEquals(b, Sequential.load(file, B).predict(probe()).toArray());
    }

    @Test
    void rejectsMissingTruncatedCorruptedAndForeignFiles() throws IOException {
        Sequential m = trained();
        Path file = dir.resolve("m.rnn4j");
        m.save(file);
        byte[] good = Files.readAllBytes(file);

        var missing = assertThrows(NoSuchFileException.class, () -> Sequential.load(dir.resolve("nope.rnn4j"), B));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path trunc = dir.resolve("trunc.rnn4j");
        Files.write(trunc, Arrays.copyOf(good, good.length - 100));
        var e1 = assertThrows(ModelFormatException.class, () -> Sequential.load(trunc, B));
        assertTrue(e1.getMessage().contains("truncated"), e1.getMessage());
        Files.write(trunc, Arrays.copyOf(good, 20));
        var e1b = assertThrows(ModelFormatException.class, () -> Sequential.load(trunc, B));
        assertTrue(e1b.getMessage().contains("truncated"), e1b.getMessage());

        Path bad = dir.resolve("bad.rnn4j");
        byte[] flipped = good.clone();
        flipped[good.length - 40] ^= 0x10; // inside the weights
        Files.write(bad, flipped);
        var e2 = assertThrows(ModelFormatException.class, () -> Sequential.load(bad, B));
        assertTrue(e2.getMessage().contains("corrupted") && e2.getMessage().contains("checksum"), e2.getMessage());
        flipped = good.clone();
        flipped[40] ^= 0x01; // inside the JSON
        Files.write(bad, flipped);
        assertThrows(ModelFormatException.class, () -> Sequential.load(bad, B));

        Path foreign = dir.resolve("foreign.rnn4j");
        Files.writeString(foreign, "{\"this\": \"is a Keras json, not an rnn4j model\"}");
        var e3 = assertThrows(ModelFormatException.class, () -> Sequential.load(foreign, B));
        assertTrue(e3.getMessage().contains("not an rnn4j model file"), e3.getMessage());

        byte[] v2 = good.clone();
        v2[8] = 2;
        Files.write(bad, v2);
        var e4 = assertThrows(ModelFormatException.class, () -> Sequential.load(bad, B));
        assertTrue(e4.getMessage().contains("version 2"), e4.getMessage());
    }

    @Test
    void saveIntoMissingDirectoryFailsAndWritesNothing() throws IOException {
        Sequential m = trained();
        Path target = dir.resolve("no/such/dir/m.rnn4j");
        var e = assertThrows(NoSuchFileException.class, () -> m.save(target));
        assertTrue(e.getMessage().contains("directory does not exist"), e.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void unknownLayerTypeIsAClearError() throws IOException {
        String json = "{\"format\": \"rnn4j-model\", \"format_version\": 1, \"class_name\": \"Sequential\", \"config\": "
                + "{\"name\": \"x\", \"input_shape\": [3], \"layers\": [{\"class_name\": \"Evil\", \"config\": {}, \"weights\": []}]}}";
        Path f = dir.resolve("evil.rnn4j");
        ModelFile.write(f, json, new float[0]);
        var e = assertThrows(ModelFormatException.class, () -> Sequential.load(f, B));
        assertTrue(e.getMessage().contains("unknown layer type 'Evil'"), e.getMessage());
    }

    @Test
    void checkpointSavesTheBestEpoch() throws IOException {
        Sequential m = new Sequential("ckpt").onBackend(B).add(Input.of(2))
                .add(new Dense("ck", 1, Activation.LINEAR, true, 5L));
        m.compile(new Adam(0.05), new MeanSquaredError());
        Random r = new Random(3);
        float[] x = new float[40];
        float[] y = new float[20];
        for (int i = 0; i < 20; i++) {
            x[2 * i] = (float) r.nextGaussian();
            x[2 * i + 1] = (float) r.nextGaussian();
            y[i] = x[2 * i] - x[2 * i + 1];
        }
        Path f = dir.resolve("best.rnn4j");
        ModelCheckpoint ck = new ModelCheckpoint(f.toString(), "loss", true, Mode.MIN);
        m.fit(B.fromArray(x, 20, 2), B.fromArray(y, 20, 1), new FitOptions().epochs(5).batchSize(5).seed(2).verbose(0).callbacks(ck));
        assertEquals(f, ck.lastSaved());
        assertTrue(Files.size(f) > 0);
        assertFalse(Sequential.load(f, B).layers().isEmpty());
    }
}
