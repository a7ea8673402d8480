#!/usr/bin/env python3
"""Polynomial coefficients of VectorMath's exp and tanh (needs mpmath).

Chebyshev fits in 40-digit arithmetic (mpmath.chebyfit, within a few percent of minimax):
  exp:  e^r ~ 1 + r + r^2 g(r) on |r| <= ln2/2, g of degree 4;
  tanh: tanh(x) ~ x + x^3 f(x^2) for |x| < 0.55, f of degree 4 in s = x^2.
Printed highest power first, rounded to float32 as VectorMath holds them, with the fit's error.
SimdActivationTest then measures the float32 functions over every 61st bit pattern.
"""
import mpmath as mp
import struct

mp.mp.dps = 40


def f32(x):
    return struct.unpack('f', struct.pack('f', float(x)))[0]


def java_float(x):
    """The shortest decimal that reads back as the float nearest x, as a Java literal."""
    v = f32(x)
    for digits in range(6, 10):
        text = f"{v:.{digits}g}"
        if f32(float(text)) == v:
            return text + "f"


def g(r):  # (e^r - 1 - r) / r^2, by its series near 0
    return mp.mpf(1) / 2 + r / 6 if abs(r) < mp.mpf('1e-10') else (mp.exp(r) - 1 - r) / r ** 2


def f(s):  # (tanh(x)/x - 1) / x^2 at s = x^2
    if s < mp.mpf('1e-12'):
        return -mp.mpf(1) / 3 + 2 * s / 15
    x = mp.sqrt(s)
    return (mp.tanh(x) / x - 1) / s


half_ln2 = mp.log(2) / 2
for name, fn, lo, hi in (("exp g", g, -half_ln2, half_ln2), ("tanh f", f, mp.mpf(0), mp.mpf('0.55') ** 2)):
    poly, err = mp.chebyfit(fn, [lo, hi], 5, error=True)
    print(f"{name}: error {mp.nstr(err, 3)}; " + ", ".join(java_float(c) for c in poly))
