#!/usr/bin/env bash
# Two builds of cpu-simd in one JVM on one recurrent layer or one GEMM (io.rnn4j.jmh.TwoBuildsLayer).
#
#   bench/two-builds.sh REV_A REV_B THREADS CELL inference|training REPS BxTxIxH...
#   bench/two-builds.sh REV_A REV_B THREADS GEMM_NN|GEMM_NT|GEMM_TN inference REPS MxNxK...   (products)
#
# REV_A and REV_B are git revisions, or "." for the working tree. Each one's cpu-simd sources are
# compiled against this checkout's core (so core must not differ between them); the ratio printed
# is B / A (below 1: B is faster). Run both orders and trust what they agree on, e.g.
#   bench/two-builds.sh HEAD~1 . 1 LSTM training 9 64x100x128x256
#   bench/two-builds.sh . HEAD~1 1 LSTM training 9 64x100x128x256
# JAVA_HOME must be a JDK 21 or newer (the build's own, e.g. Temurin 25). Run nothing else meanwhile.
# A shape whose every repetition has one build over 1.15x the other's time gets a warning: in
# session 19 about one launch in six ran one build (even a copy of the same revision) that slow.
# Each build's allocation per call is printed too: a build that allocates megabytes runs code C2
# never compiled (session 21: tanhBlock stuck in C1's code, fixed in e8f33dc).
set -euo pipefail
if [ $# -lt 7 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
top=$(git rev-parse --show-toplevel)
cd "$top"
java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}
mvn -B -ntp -q -o -pl jmh -am compile -DskipTests > "${TMPDIR:-/tmp}/two-builds-mvn.log" 2>&1 \
  || { cat "${TMPDIR:-/tmp}/two-builds-mvn.log" >&2; echo "compiling core and jmh failed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# build REV NAME: compiles REV's cpu-simd main sources and resources into $tmp/NAME
build() {
  local src="$tmp/$2-src" out="$tmp/$2"
  mkdir -p "$src" "$out"
  if [ "$1" = "." ]; then
    cp -r cpu-simd/src/main/. "$src/"
  else
    git archive "$1" cpu-simd/src/main | tar -x -C "$src" --strip-components=3
  fi
  find "$src/java" -name '*.java' > "$tmp/$2.files"
  "${java_bin}javac" -nowarn --release 21 --add-modules jdk.incubator.vector -cp core/target/classes \
    -d "$out" @"$tmp/$2.files" 2>&1 | grep -v -e 'incubat' -e '^1 warning' >&2 || true
  [ -d "$src/resources" ] && cp -r "$src/resources/." "$out/"
  [ -f "$out/io/rnn4j/simd/SimdBackend.class" ] || { echo "cpu-simd of $1 did not compile" >&2; exit 1; }
}
build "$1" a
build "$2" b
rest="core/target/classes:jmh/target/classes"
shift 2
"${java_bin}java" --add-modules jdk.incubator.vector -Xmx6g -cp jmh/target/classes io.rnn4j.jmh.TwoBuildsLayer \
  "$tmp/a:$rest" "$tmp/b:$rest" "$@" 2>&1 | grep -v 'Using incubator modules'
