// Runs a libFuzzer target without libFuzzer (for g++ sanitizer builds): replays every file
// of the seed corpus, then a fixed number of inputs made from a seeded PRNG: random bytes,
// and corpus entries with random bytes flipped, inserted, or cut. Deterministic: the same
// arguments run the same inputs.
//
// Usage: TARGET RUNS [CORPUS_DIR]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s RUNS [CORPUS_DIR]\n", argv[0]);
    return 2;
  }
  const long runs = std::strtol(argv[1], nullptr, 10);
  std::vector<std::vector<std::uint8_t>> corpus;
  if (argc >= 3 && std::filesystem::is_directory(argv[2])) {
    for (const auto& e : std::filesystem::directory_iterator(argv[2])) {
      std::ifstream in(e.path(), std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  for (const auto& input : corpus) LLVMFuzzerTestOneInput(input.data(), input.size());

  std::mt19937_64 rng(1);
  std::vector<std::uint8_t> buf;
  for (long i = 0; i < runs; ++i) {
    if (!corpus.empty() && (rng() % 4) != 0) {
      buf = corpus[rng() % corpus.size()];
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < edits; ++k) {
        const auto op = rng() % 3;
        if (op == 0 && !buf.empty()) {
          buf[rng() % buf.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        } else if (op == 1) {
          buf.insert(buf.begin() + static_cast<long>(rng() % (buf.size() + 1)),
                     static_cast<std::uint8_t>(rng()));
        } else if (!buf.empty()) {
          buf.resize(rng() % buf.size());
        }
      }
    } else {
      buf.resize(rng() % 256);
      for (auto& b : buf) b = static_cast<std::uint8_t>(rng());
    }
    LLVMFuzzerTestOneInput(buf.data(), buf.size());
  }
  std::printf("%zu corpus inputs and %ld generated inputs ran without a crash\n", corpus.size(),
              runs);
  return 0;
}
