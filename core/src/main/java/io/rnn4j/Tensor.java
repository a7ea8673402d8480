package io.rnn4j;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Backends;

import java.util.Arrays;

/**
 * A dense, row-major, contiguous float32 tensor whose storage belongs to a {@link Backend}.
 *
 * <p>Host backends ({@code java}, {@code simd}) keep a {@code float[]}; the {@code cuda} backend
 * keeps device memory. Data crosses to the host only through {@link #toArray()} (and the
 * backend's copy operations), so a tensor can stay resident on a device for a whole training
 * run. Public tensors are batch-major like Keras: sequences are {@code (batch, time, features)}.
 *
 * <p>A tensor is closed with {@link #close()}; using it afterwards is an
 * {@link IllegalStateException}. {@link #reshape(int...)} returns a view that shares storage.
 */
public final class Tensor implements AutoCloseable {
    private final Backend backend;
    private final int[] shape;
    private final int size;
    private final Object storage;
    private final Tensor viewOf;
    private volatile boolean closed;

    private Tensor(Backend backend, Object storage, int[] shape, Tensor viewOf) {
        this.backend = backend;
        this.storage = storage;
        this.shape = shape.clone();
        this.size = sizeOf(shape);
        this.viewOf = viewOf;
    }

    /**
     * Wraps backend storage in a tensor. This is backend SPI: user code creates tensors with
     * {@link #of(float[], int...)}, {@link #zeros(int...)} or a backend's own factories.
     */
    public static Tensor wrap(Backend owner, Object storage, int... shape) {
        if (owner == null || storage == null) {
            throw new IllegalArgumentException("Tensor.wrap: owner and storage must not be null");
        }
        return new Tensor(owner, storage, checkShape(shape), null);
    }

    /** A tensor on the current default backend holding a copy of {@code data}. */
    public static Tensor of(float[] data, int... shape) {
        return Backends.current().fromArray(data, shape);
    }

    /** A zero-filled tensor on the current default backend. */
    public static Tensor zeros(int... shape) {
        return Backends.current().zeros(shape);
    }

    /** The number of elements a tensor of {@code shape} holds; rejects negative or overflowing shapes. */
    public static int sizeOf(int... shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more than 2^31 elements");
            }
        }
        return (int) n;
    }

    private static int[] checkShape(int[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException("shape must not be null");
        }
        sizeOf(shape);
        return shape;
    }

    /** The backend that owns this tensor's storage. */
    public Backend backend() {
        return backend;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Dimension {@code i}; negative {@code i} counts from the end like Python. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    /** True if this tensor has exactly the given shape. */
    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    /** {@link #hasShape(int...)} for a matrix, without a varargs array (checks run on every streamed step). */
    public boolean hasShape(int d0, int d1) {
        return shape.length == 2 && shape[0] == d0 && shape[1] == d1;
    }

    /** {@link #hasShape(int...)} for a sequence tensor, without a varargs array. */
    public boolean hasShape(int d0, int d1, int d2) {
        return shape.length == 3 && shape[0] == d0 && shape[1] == d1 && shape[2] == d2;
    }

    /**
     * The backend storage (a {@code float[]} for host backends). Backend SPI; throws if the
     * tensor (or the tensor it is a view of) was closed.
     */
    public Object storage() {
        if (isClosed()) {
            throw new IllegalStateException("tensor " + Arrays.toString(shape) + " was used after close()");
        }
        return storage;
    }

    /** True once this tensor or the tensor it views was closed. */
    public boolean isClosed() {
        return closed || (viewOf != null && viewOf.isClosed());
    }

    /** A view with another shape of the same number of elements, sharing storage. */
    public Tensor reshape(int... newShape) {
        checkShape(newShape);
        if (sizeOf(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " (" + size
                    + " elements) to " + Arrays.toString(newShape) + " (" + sizeOf(newShape) + " elements)");
        }
        return new Tensor(backend, storage(), newShape, viewOf != null ? viewOf : this);
    }

    /** Copies the elements to a new host array (a host/device transfer for device backends). */
    public float[] toArray() {
        float[] out = new float[size];
        backend.copyToHost(this, 0, out, 0, size);
        return out;
    }

    /** A deep copy on the same backend. */
    public Tensor copy() {
        Tensor c = backend.zeros(shape);
        backend.copy(this, 0, c, 0, size);
        return c;
    }

    /**
     * Releases the storage now. Views do not own storage: closing a view only marks the view
     * closed. Closing twice is harmless.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (viewOf == null) {
            backend.release(this, storage);
        }
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape) + "@" + backend.name() + (isClosed() ? " (closed)" : "");
    }
}
