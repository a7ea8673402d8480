package io.rnn4j.backend.java;

import io.rnn4j.backend.Backend;
import io.rnn4j.backend.BackendProvider;

/** Registers the {@code java} reference backend; always usable, lowest priority. */
public final class JavaBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "java";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability availability() {
        return Availability.usable("the plain-Java reference backend runs on every JVM");
    }

    @Override
    public Backend create() {
        return new JavaBackend();
    }
}
