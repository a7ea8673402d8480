/**
 * The backend conformance suite, published in {@code rnn4j-core}'s test-jar.
 *
 * <p>{@link io.rnn4j.backend.conformance.BackendConformanceTest} runs every operation of the
 * {@link io.rnn4j.backend.Backend} SPI (memory, GEMM, element-wise ops and activations,
 * reductions, optimizer updates, fused recurrent kernels forward and backward for every cell
 * and option) on the backend under test and on the java reference backend with the same random
 * inputs, and compares them within the tolerances stated in its Javadoc. It also checks the
 * errors every backend must raise (foreign tensors, out-of-bounds offsets, wrong shapes:
 * {@link java.lang.IllegalArgumentException} before anything is written).
 *
 * <p>A backend module uses it with two additions. In its {@code pom.xml}:
 * <pre>{@code
 * <dependency>
 *   <groupId>io.rnn4j</groupId>
 *   <artifactId>rnn4j-core</artifactId>
 *   <version>${project.version}</version>
 *   <type>test-jar</type>
 *   <scope>test</scope>
 * </dependency>
 * <dependency>
 *   <groupId>org.junit.jupiter</groupId>
 *   <artifactId>junit-jupiter</artifactId>
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 * and one test class in its {@code src/test/java}:
 * <pre>{@code
 * class SimdBackendConformanceTest extends BackendConformanceTest {
 *     protected Backend backend() { return new SimdBackend(); }
 * }
 * }</pre>
 * Surefire runs only the module's own test classes, so the suite runs once, against that
 * backend. Failing dynamic tests are named after the operation and its options (for example
 * {@code gemm AᵀB m=33 n=47 k=65 alpha=1.0 beta=0.0 ld>row offsets} or
 * {@code rnn LSTM, B3 T7 I5 H7, mask (first step masked), initial states}), and the message gives
 * the tensor, the element index, both values and the bound.
 *
 * <p>Helpers for a module's own tests: {@link io.rnn4j.backend.conformance.RnnCase} (one random
 * fused-kernel problem that runs on any backend), {@link io.rnn4j.backend.conformance.RnnCases}
 * (the case matrix), {@link io.rnn4j.backend.conformance.RnnReference} (an independent float64
 * reference) and {@link io.rnn4j.backend.conformance.Compare} (assertions with named failures).
 */
package io.rnn4j.backend.conformance;
