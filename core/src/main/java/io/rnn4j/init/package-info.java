/** Keras initializers ({@code glorot_uniform}, {@code orthogonal}, {@code zeros}, ...), seedable. */
package io.rnn4j.init;
