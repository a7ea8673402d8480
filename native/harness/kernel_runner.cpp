// Runs kernels of native/rnn4j_kernels.cu, compiled by g++ through cuda_cpu_emu.h, on requests
// read from stdin, and writes the device buffers back to stdout. The cuda backend's tests plug it
// under EmulatedDevice (HarnessKernels), so the backend's real launch plan drives the real kernel
// source. Protocol, little-endian:
//   request : i32 1 | i32 nameLen, name | i32 order, i32 grid, i32 block, i32 seed
//             | i32 nbuf, per buffer: i32 len, len x f32
//             | i32 nargs, per arg: u8 'i' i32 | u8 'f' f32 | u8 'p' i32 buffer (-1 = null), i32 offset
//   response: i32 0, then every buffer's floats in request order | i32 1, i32 len, message
//   i32 0 instead of a request ends the process.
// Each buffer is its own heap allocation of exactly its length, so ASan reports any access outside.
#include "cuda_cpu_emu.h"
#include "../rnn4j_kernels.cu"

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace {

void readExact(void* p, size_t n) {
    if (n && std::fread(p, 1, n, stdin) != n) throw std::runtime_error("short read");
}
int32_t readI32() { int32_t v; readExact(&v, 4); return v; }
float readF32() { float v; readExact(&v, 4); return v; }

struct Arg { char type; int32_t i; float f; int32_t buf; int32_t off; };

struct Request {
    std::vector<float*> buffers;
    std::vector<int32_t> lengths;
    std::vector<Arg> args;
};

template <typename T> T convert(const Request& r, size_t i, const char* kernel) {
    const Arg& a = r.args.at(i);
    if constexpr (std::is_same_v<T, int>) {
        if (a.type != 'i') throw std::runtime_error(std::string(kernel) + ": argument " + std::to_string(i) + " must be int");
        return a.i;
    } else if constexpr (std::is_same_v<T, float>) {
        if (a.type != 'f') throw std::runtime_error(std::string(kernel) + ": argument " + std::to_string(i) + " must be float");
        return a.f;
    } else {
        static_assert(std::is_pointer_v<T>, "kernel parameters are int, float or float pointers");
        if (a.type != 'p') throw std::runtime_error(std::string(kernel) + ": argument " + std::to_string(i) + " must be a pointer");
        if (a.buf < 0) return nullptr;
        if (a.off < 0 || a.off > r.lengths.at(a.buf)) throw std::runtime_error("pointer offset outside its buffer");
        return r.buffers.at(a.buf) + a.off;
    }
}

template <typename... Ps, size_t... I>
void callImpl(void (*k)(Ps...), const char* name, const Request& r, unsigned grid, unsigned block,
              cuemu::Order order, unsigned seed, std::index_sequence<I...>) {
    if (r.args.size() != sizeof...(Ps)) throw std::runtime_error(std::string(name) + ": wrong argument count");
    std::tuple<Ps...> args{convert<Ps>(r, I, name)...};
    cuemu::launch(k, grid, block, order, seed, std::get<I>(args)...);
}

template <typename... Ps>
void call(void (*k)(Ps...), const char* name, const Request& r, unsigned grid, unsigned block, cuemu::Order order, unsigned seed) {
    callImpl(k, name, r, grid, block, order, seed, std::index_sequence_for<Ps...>{});
}

using Runner = std::function<void(const Request&, unsigned, unsigned, cuemu::Order, unsigned)>;

#define K(fn) {#fn, [](const Request& r, unsigned g, unsigned b, cuemu::Order o, unsigned s) { call(fn, #fn, r, g, b, o, s); }}

const std::map<std::string, Runner> kKernels = {
    K(rnn4j_fill), K(rnn4j_add), K(rnn4j_sub), K(rnn4j_mul), K(rnn4j_axpby), K(rnn4j_clip),
    K(rnn4j_activation), K(rnn4j_activation_backward), K(rnn4j_add_row_vector), K(rnn4j_copy2d),
    K(rnn4j_sum_rows), K(rnn4j_sum_columns), K(rnn4j_sum_partials), K(rnn4j_sum_pairs),
    K(rnn4j_adam), K(rnn4j_sgd), K(rnn4j_rmsprop),
    K(rnn4j_input_dropout), K(rnn4j_input_dropout_backward), K(rnn4j_state_dropout), K(rnn4j_state_dropout_backward),
    K(rnn4j_simple_forward), K(rnn4j_simple_backward), K(rnn4j_lstm_forward), K(rnn4j_lstm_backward),
    K(rnn4j_gru_forward), K(rnn4j_gru_backward),
    K(rnn4j_gru_rb_forward_zr), K(rnn4j_gru_rb_forward_h), K(rnn4j_gru_rb_backward_zh), K(rnn4j_gru_rb_backward_r),
};

void writeAll(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, stdout) != n) throw std::runtime_error("short write");
}

}  // namespace

int main() {
    for (;;) {
        int32_t op;
        if (std::fread(&op, 4, 1, stdin) != 1 || op == 0) return 0;
        Request r;
        std::string error;
        try {
            int32_t nameLen = readI32();
            std::string name(static_cast<size_t>(nameLen), '\0');
            readExact(name.data(), name.size());
            auto order = static_cast<cuemu::Order>(readI32());
            unsigned grid = static_cast<unsigned>(readI32()), block = static_cast<unsigned>(readI32());
            unsigned seed = static_cast<unsigned>(readI32());
            int32_t nbuf = readI32();
            for (int32_t b = 0; b < nbuf; b++) {
                int32_t len = readI32();
                float* data = new float[static_cast<size_t>(len)];
                readExact(data, static_cast<size_t>(len) * 4);
                r.buffers.push_back(data);
                r.lengths.push_back(len);
            }
            int32_t nargs = readI32();
            for (int32_t i = 0; i < nargs; i++) {
                Arg a{};
                readExact(&a.type, 1);
                if (a.type == 'i') a.i = readI32();
                else if (a.type == 'f') a.f = readF32();
                else if (a.type == 'p') { a.buf = readI32(); a.off = readI32(); }
                else throw std::runtime_error("bad argument type");
                r.args.push_back(a);
            }
            auto it = kKernels.find(name);
            if (it == kKernels.end()) throw std::runtime_error("unknown kernel " + name);
            it->second(r, grid, block, order, seed);
        } catch (const std::exception& e) {
            error = e.what();
        }
        if (error.empty()) {
            int32_t ok = 0;
            writeAll(&ok, 4);
            for (size_t b = 0; b < r.buffers.size(); b++) writeAll(r.buffers[b], static_cast<size_t>(r.lengths[b]) * 4);
        } else {
            int32_t bad = 1, len = static_cast<int32_t>(error.size());
            writeAll(&bad, 4);
            writeAll(&len, 4);
            writeAll(error.data(), error.size());
        }
        std::fflush(stdout);
        for (float* p : r.buffers) delete[] p;
        if (!error.empty() && error == "short read") return 2;
    }
}
