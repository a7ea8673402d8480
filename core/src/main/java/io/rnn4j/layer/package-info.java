/**
 * Layers with hand-written forward and backward. The recurrent ones are Keras's:
 * {@link io.rnn4j.layer.Rnn} ({@code keras.layers.RNN}, any cell), {@link io.rnn4j.layer.SimpleRnn},
 * {@link io.rnn4j.layer.Lstm}, {@link io.rnn4j.layer.Gru} ({@code SimpleRNN}, {@code LSTM},
 * {@code GRU}, also as {@code Rnn.lstm(units)} ...) and {@link io.rnn4j.layer.Bidirectional}.
 * <pre>{@code
 * Lstm lstm = new Lstm(32).returnSequences(true).dropout(0.2);      // LSTM(32, return_sequences=True, dropout=0.2)
 * lstm.build(backend, new int[] {Input.NONE, 8});                  // (time free, 8 features)
 * Tensor y = lstm.forward(x, true);                                // x (batch, time, 8) -> (batch, time, 32)
 * Tensor dx = lstm.backward(dy);                                   // BPTT; weight gradients in lstm.parameters()
 * RnnResult r = lstm.returnState(true).call(x, mask, null, false); // output, h, c
 * Tensor step = lstm.timeStep(xt);                                 // streaming, (batch, 8) -> (batch, 32)
 * }</pre>
 */
package io.rnn4j.layer;
