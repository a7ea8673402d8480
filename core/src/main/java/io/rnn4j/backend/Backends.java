package io.rnn4j.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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

    /** The backends rnn4j ships and the module that provides each. */
    private static final Map<String, String> KNOWN = Map.of(
            "java", "rnn4j-core", "simd", "rnn4j-cpu-simd", "cuda", "rnn4j-cuda");

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
                    current = get(System.getProperty(PROPERTY, "auto"));
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

    /**
     * The backend with this name, or the best usable one for {@code auto}; created once and
     * shared. Throws {@link IllegalStateException} listing every backend when the name is
     * unknown or the backend is not usable here.
     */
    public static synchronized Backend get(String name) {
        BackendProvider p = choose(name, providers());
        Backend b = CREATED.get(p.name());
        if (b == null) {
            b = p.create();
            CREATED.put(p.name(), b);
            if (isAuto(name)) {
                LOG.info("rnn4j: using backend '" + p.name() + "' (" + p.availability().reason() + ")");
            }
        }
        return b;
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
        return describe(providers());
    }

    static String describe(List<BackendProvider> all) {
        StringBuilder sb = new StringBuilder();
        for (BackendProvider p : all) {
            BackendProvider.Availability a = p.availability();
            sb.append("  ").append(p.name()).append(": ").append(a.usable() ? "usable" : "not usable")
                    .append(" - ").append(a.reason()).append('\n');
        }
        for (String known : List.of("java", "simd", "cuda")) {
            if (all.stream().noneMatch(p -> p.name().equals(known))) {
                sb.append("  ").append(known).append(": not usable - module ").append(KNOWN.get(known))
                        .append(" is not on the class path\n");
            }
        }
        return sb.toString();
    }

    private static boolean isAuto(String name) {
        return name == null || name.trim().equalsIgnoreCase("auto");
    }

    /** The provider {@code name} selects among {@code all}; pure, so tests can pass their own providers. */
    static BackendProvider choose(String name, List<BackendProvider> all) {
        if (isAuto(name)) {
            for (BackendProvider p : all) {
                if (p.availability().usable()) {
                    return p;
                }
            }
            throw new IllegalStateException("rnn4j: no usable backend found. Known backends:\n" + describe(all));
        }
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (BackendProvider p : all) {
            if (p.name().equals(wanted)) {
                BackendProvider.Availability a = p.availability();
                if (!a.usable()) {
                    throw new IllegalStateException("rnn4j: backend '" + wanted + "' is not usable: " + a.reason()
                            + "\nKnown backends:\n" + describe(all));
                }
                return p;
            }
        }
        String why = KNOWN.containsKey(wanted)
                ? "rnn4j: backend '" + wanted + "' is not on the class path (add " + KNOWN.get(wanted) + ")."
                : "rnn4j: unknown backend '" + name + "' (-D" + PROPERTY + "=auto|java|simd|cuda).";
        throw new IllegalStateException(why + " Known backends:\n" + describe(all));
    }
}
