package io.rnn4j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.logging.Logger;

/**
 * Finds backends with {@link ServiceLoader} and selects one.
 *
 * <p>The system property {@code rnn4j.backend} chooses: {@code auto} (default) takes the usable
 * backend of highest priority and logs its choice once; {@code java}, {@code simd} or
 * {@code cuda} take that backend or fail with an {@link IllegalStateException} that lists every
 * known backend and why each is or is not usable. There is never a silent fallback.
 * {@link #setCurrent(Backend)} overrides the property programmatically.
 */
public final class Backends {
    /** The system property that selects the backend. */
    public static final String PROPERTY = "rnn4j.backend";

    private static final Logger LOG = Logger.getLogger(Backends.class.getName());
    private static final Map<String, Backend> CREATED = new LinkedHashMap<>();
    private static volatile Backend current;

    private Backends() {
    }

    /** The default backend: the one set with {@link #setCurrent}, else the one the property names. */
    public static Backend current() {
        Backend b = current;
        if (b == null) {
            synchronized (Backends.class) {
                if (current == null) {
                    current = select(System.getProperty(PROPERTY, "auto"));
                }
                b = current;
            }
        }
        return b;
    }

    /** Sets the default backend for tensors and models created from now on ({@code null} re-reads the property). */
    public static synchronized void setCurrent(Backend backend) {
        current = backend;
    }

    /** The backend with this name ({@code auto} included), created once and shared. */
    public static synchronized Backend get(String name) {
        return select(name);
    }

    /** Every provider found on the class path, best first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader())) {
            list.add(p);
        }
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /** One line per known backend: name, usable or not, and the reason. */
    public static String describe() {
        StringBuilder sb = new StringBuilder();
        List<BackendProvider> all = providers();
        for (BackendProvider p : all) {
            BackendProvider.Availability a = p.availability();
            sb.append("  ").append(p.name()).append(": ").append(a.usable() ? "usable" : "not usable")
                    .append(" - ").append(a.reason()).append('\n');
        }
        for (String known : List.of("java", "simd", "cuda")) {
            if (all.stream().noneMatch(p -> p.name().equals(known))) {
                sb.append("  ").append(known).append(": not usable - module rnn4j-")
                        .append(known.equals("java") ? "core" : known.equals("simd") ? "cpu-simd" : "cuda")
                        .append(" is not on the class path\n");
            }
        }
        return sb.toString();
    }

    private static synchronized Backend select(String name) {
        String wanted = name == null ? "auto" : name.trim().toLowerCase(java.util.Locale.ROOT);
        List<BackendProvider> all = providers();
        if (wanted.equals("auto")) {
            for (BackendProvider p : all) {
                if (p.availability().usable()) {
                    Backend b = create(p);
                    LOG.info(() -> "rnn4j: using backend '" + p.name() + "' (" + p.availability().reason() + ")");
                    return b;
                }
            }
            throw new IllegalStateException("rnn4j: no usable backend found. Known backends:\n" + describe());
        }
        for (BackendProvider p : all) {
            if (p.name().equals(wanted)) {
                BackendProvider.Availability a = p.availability();
                if (!a.usable()) {
                    throw new IllegalStateException("rnn4j: backend '" + wanted + "' is not usable: " + a.reason()
                            + "\nKnown backends:\n" + describe());
                }
                return create(p);
            }
        }
        throw new IllegalStateException("rnn4j: unknown backend '" + name + "' (-D" + PROPERTY
                + "=auto|java|simd|cuda). Known backends:\n" + describe());
    }

    private static Backend create(BackendProvider p) {
        return CREATED.computeIfAbsent(p.name(), n -> p.create());
    }
}
