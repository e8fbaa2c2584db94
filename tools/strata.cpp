//===- strata.cpp - the user driver ---------------------------------------===//
//
// The command table: every command, its forms, what it does and each flag
// with its kind and default. Usage, `strata help COMMAND` and `--help`, flag
// validation with "did you mean" and `--version` are all generated from it,
// so they cannot drift from what the commands accept. Each command lives in
// its own file (Commands.h).
//
// Exit codes (DESIGN.md): 0 success, 1 a user error with a diagnostic, 2 an
// internal error. Nothing is written when a command fails.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"
#include "Commands.h"
#include "Error.h"
#include "Graph.h"
#include "Spec.h"
#include "Trainer.h"

#include "llvm/Config/llvm-config.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <vector>

using namespace strata::frontend;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// A command that starts from a spec's graph.
std::function<int(const Options &)> withGraph(int (*command)(const Options &, const Graph &)) {
  return [command](const Options &options) {
    Spec spec = loadSpec(options.spec);
    Graph graph = buildGraph(spec, prelude());
    return command(options, graph);
  };
}

FlagSpec count(const std::string &name, const std::string &value, const std::string &help,
               const std::string &defaultText = "") {
  return {name, value, FlagKind::Count, help, defaultText, {}};
}
FlagSpec real(const std::string &name, const std::string &value, const std::string &help,
              const std::string &defaultText = "") {
  return {name, value, FlagKind::Real, help, defaultText, {}};
}
FlagSpec text(const std::string &name, const std::string &value, const std::string &help,
              const std::string &defaultText = "") {
  return {name, value, FlagKind::Text, help, defaultText, {}};
}
FlagSpec choice(const std::string &name, std::vector<std::string> choices, const std::string &help,
                const std::string &defaultText = "") {
  std::string value;
  for (const std::string &c : choices)
    value += (value.empty() ? "" : "|") + c;
  return {name, value, FlagKind::Choice, help, defaultText, std::move(choices)};
}
FlagSpec flag(const std::string &name, const std::string &help) {
  return {name, "", FlagKind::Switch, help, "", {}};
}

const std::vector<std::string> kStages = {"graph", "strata", "train", "loops", "llvm", "fused", "gpu", "nvvm", "ptx"};
const std::vector<std::string> kChips = {"sm_75", "sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"};

FlagSpec batchFlag() { return count("--batch", "B", "rows per step", "the spec's"); }
FlagSpec chipFlag() { return choice("--chip", kChips, "the NVIDIA architecture to compile for", "sm_90"); }
FlagSpec jsonFlag() { return flag("--json", "print one JSON object on stdout, the rest on stderr"); }
FlagSpec checkpointFlag() {
  return text("--checkpoint", "DIR", "the run's folder, which holds checkpoint.safetensors", "runs/MODEL");
}
FlagSpec matmulFlag() {
  return choice("--matmul", {"blas", "loops"}, "CPU: whether 2-D matmuls call the BLAS or run as generated loops",
                "blas");
}
FlagSpec targetFlag(const std::string &help) {
  return choice("--target", {"cpu", "cuda", "cuda-emulated"}, help, "cuda when a GPU is visible, else cpu");
}
FlagSpec splitFlag(std::vector<std::string> splits, const std::string &defaultText) {
  return choice("--split", std::move(splits), "the rows to use", defaultText);
}

std::vector<CommandSpec> commandTable() {
  return {
      {"check",
       {"SPEC [--json]", "SPEC --memory [--batch B] [--json]"},
       "Parse and infer shapes; print every value's shape, the parameter count and forward FLOPs per step. "
       "--memory: the GPU path's memory plan per call (arenas, planned scratch bytes, kernels, cuBLASLt calls).",
       SpecArg::Required,
       {jsonFlag(), flag("--memory", "the GPU path's memory plan instead"), batchFlag(), chipFlag()},
       withGraph(runCheck)},
      {"emit",
       {"SPEC --stage=S [--locations] [--batch B] [--matmul=blas|loops] [--chip=sm_90]",
        "--kernels=top-k --stage=gpu|nvvm|ptx [--chip=sm_90]"},
       "Print the program after stage S: graph, strata, train (after autodiff); CPU: loops, llvm; GPU: fused, "
       "gpu, nvvm, ptx. --kernels=top-k: exact search's GPU top-k kernels.",
       SpecArg::Optional,
       {choice("--stage", kStages, "the stage to print after"), flag("--locations", "print each op's spec location"),
        batchFlag(), matmulFlag(), chipFlag(), choice("--kernels", {"top-k"}, "print a built-in kernel set instead")},
       runEmit},
      {"fmt",
       {"SPEC --to=json|dsl [-o FILE]"},
       "Print SPEC in the other form (JSON or the DSL).",
       SpecArg::Required,
       {choice("--to", {"json", "dsl"}, "the form to print"), text("-o", "FILE", "write FILE instead of stdout")},
       runFmt},
      {"gradcheck",
       {"SPEC [--samples N] [--batch B] [--seed S] [--json]"},
       "Autodiff against central differences in f64, per parameter: |difference| <= 1e-10 max(1, |loss|) + 1e-6 "
       "scale.",
       SpecArg::Required,
       {count("--samples", "N", "coordinates checked per parameter", "8"), count("--batch", "B", "rows", "4"),
        count("--seed", "S", "the seed of the data, the initialization and the coordinates", "0"), jsonFlag()},
       withGraph(runGradcheck)},
      {"train",
       {"SPEC [--target=cpu|cuda] [--epochs E | --steps N] [--batch B] [--seed S] [--checkpoint DIR] "
        "[--checkpoint-every N] [--resume] [--force] [--log FILE.jsonl] [--init PARAMS.safetensors] "
        "[--chip=sm_90] [--quiet] [--json]"},
       "Train: a progress bar on a terminal; checkpoints go to DIR every epoch; --resume continues DIR's run "
       "bit for bit; --init starts from the parameters of a .safetensors file (a checkpoint, or PyTorch's with "
       "the same names). On cuda, GPU 0 trains with CUDA graphs (its log has the loss, not grad_norm or the "
       "metrics).",
       SpecArg::Required,
       {targetFlag("where the train step runs (cuda-emulated: the GPU program's IR on the CPU)"),
        count("--epochs", "E", "passes over the data set", "the spec's"),
        count("--steps", "N", "steps to train (instead of --epochs)", "the spec's"), batchFlag(),
        count("--seed", "S", "the seed of initialization, data order and randomness", "the spec's"),
        checkpointFlag(), count("--checkpoint-every", "N", "steps between checkpoints", "one epoch's"),
        flag("--resume", "continue the run in --checkpoint's folder"),
        flag("--force", "overwrite a checkpoint of a longer run or of another model"),
        text("--log", "FILE.jsonl", "write a record per step: loss, grad norm, metrics, the representation's geometry"),
        text("--init", "PARAMS.safetensors", "start from these parameters, optimizer state fresh"), chipFlag(),
        matmulFlag(), flag("--quiet", "no progress or messages"), jsonFlag()},
       withGraph(runTrain)},
      {"eval",
       {"SPEC [--checkpoint DIR] [--probe linear|knn] [--k K] [--json]"},
       "Test loss and metrics, and the linear-probe and kNN test accuracy and geometry of the @represent value.",
       SpecArg::Required,
       {checkpointFlag(), choice("--probe", {"linear", "knn"}, "run only this probe", "both"),
        count("--k", "K", "neighbours of the kNN probe", "20"), jsonFlag()},
       withGraph(runEval)},
      {"embed",
       {"SPEC [--checkpoint DIR] --out FILE.npy [--split test|train|all] [--labels LABELS.npy]",
        "SPEC [--checkpoint DIR] --out FILE.npy --split vocabulary [--vocab WORDS.txt]"},
       "The @represent value of every row of a split as .npy, and a labelled split's labels beside it "
       "(FILE.labels.npy); with --split vocabulary, a word-embedding model's vector of every word (and the "
       "words, one a line, in row order). --split all: a text model's every verse.",
       SpecArg::Required,
       {checkpointFlag(), text("--out", "FILE.npy", "the embeddings"),
        splitFlag({"test", "train", "all", "vocabulary"}, "test"),
        text("--labels", "LABELS.npy", "where the labels go (i32, row for row)", "FILE.labels.npy"),
        text("--vocab", "WORDS.txt", "with --split vocabulary: the words, one a line")},
       withGraph(runEmbed)},
      {"search",
       {"--index FILE.npy (--query ROW | --query-file Q.npy) [--k K] [--exact | --approximate] [--ef N] "
        "[--recall R] [--ef-construction N] [--hnsw-m N] [--metric cosine|ip] [--target=cpu|cuda] [--json]",
        "SPEC [--checkpoint DIR] (--word W[,W...] | --analogy \"A - B + C\") [--k K]",
        "SPEC [--checkpoint DIR] --text \"QUERY\" [--split all|train|test] [--index VERSES.npy] [--k K]"},
       "The K nearest rows of an embedding file: exact below 20000 rows, else an HNSW graph (hnswlib) whose "
       "recall@K against exact search on a sample of the queries is printed; with a GPU visible, exact on it at every size. With a "
       "word-embedding SPEC, a word's nearest words; with a text model's SPEC, the nearest verses to a query.",
       SpecArg::Optional,
       {text("--index", "FILE.npy", "the rows to search (with a text SPEC: `strata embed` of the same split)"),
        count("--query", "ROW", "search for this row of the index"),
        text("--query-file", "Q.npy", "search for each row of this file"),
        count("--k", "K", "neighbours per query", "10"), flag("--exact", "exact search at any size"),
        flag("--approximate", "the HNSW graph at any size"),
        count("--ef", "N", "HNSW: the candidate list while searching", "64"),
        real("--recall", "R", "HNSW: double ef until recall@K, measured against exact search on up to 200 of the "
                              "queries, reaches R (0..1)"),
        count("--ef-construction", "N", "HNSW: the candidate list while building", "200"),
        count("--hnsw-m", "N", "HNSW: links per node and layer", "16"),
        choice("--metric", {"cosine", "ip"}, "the similarity", "cosine"),
        choice("--target", {"cpu", "cuda"}, "where exact search runs", "cuda when a GPU is visible"),
        checkpointFlag(), text("--word", "W[,W...]", "a word-embedding model's words"),
        text("--analogy", "\"A - B + C\"", "the words nearest A - B + C"),
        text("--text", "QUERY", "a text model's query"), splitFlag({"all", "train", "test"}, "all"), jsonFlag()},
       runSearch},
      {"plot",
       {"SPEC [--checkpoint DIR] --out FILE.png [--method pca|tsne] [--split test|train] [--points N] [--seed S]",
        "--log FILE.jsonl --out FILE.png"},
       "The embeddings of a split in the plane, coloured by label: FILE.png and FILE.svg (cairo); or every "
       "series of a training log against the step.",
       SpecArg::Optional,
       {checkpointFlag(), text("--out", "FILE.png", "the picture (and FILE.svg beside it)"),
        choice("--method", {"pca", "tsne"}, "the projection", "pca"), splitFlag({"test", "train"}, "test"),
        count("--points", "N", "rows drawn", "5000 for pca, 2000 for tsne"),
        count("--seed", "S", "the seed of the rows drawn and of t-SNE", "0"),
        text("--log", "FILE.jsonl", "plot a training log instead")},
       runPlot},
      {"serve",
       {"SPEC [--checkpoint DIR] [--host 127.0.0.1] [--port 8765] [--method pca|tsne] [--split test|train] "
        "[--points N]"},
       "A local web page exploring the embeddings: the plane, each item on hover, neighbours on click, a search "
       "box for text models (--port 0: any free port).",
       SpecArg::Required,
       {checkpointFlag(), text("--host", "ADDRESS", "the address to listen on", "127.0.0.1"),
        count("--port", "PORT", "the port (0: any free one)", "8765"),
        choice("--method", {"pca", "tsne"}, "the projection", "pca"), splitFlag({"test", "train"}, "test"),
        count("--points", "N", "rows drawn", "5000 for pca, 2000 for tsne"),
        count("--seed", "S", "the seed of the rows drawn", "0")},
       withGraph(runServe)},
      {"tokenize",
       {"SPEC [-o tokenizer.json] [--dump TEXTS.jsonl] [--rows ROWS.npy] [--split train|test]"},
       "The BPE tokenizer of the spec's text data (a Hugging Face tokenizer.json), each text's ids, and the "
       "token rows the model reads.",
       SpecArg::Required,
       {text("-o", "tokenizer.json", "write the tokenizer"), text("--dump", "TEXTS.jsonl", "each text with its ids"),
        text("--rows", "ROWS.npy", "the token rows the model reads"), splitFlag({"train", "test"}, "train")},
       withGraph(runTokenize)},
      {"compile",
       {"SPEC --target=cuda -o DIR [--batch B] [--chip=sm_90] [--steps N | --epochs E] [--timing]"},
       "A bundle: manifest.json (the GPU step's schedule: launches and cuBLASLt calls) and kernels.ptx, which "
       "strata-run trains; the learning-rate schedule spans the run that --steps or --epochs give (the spec's "
       "without), as for train. --timing: each pass's time, and ptxas's, on stderr.",
       SpecArg::Required,
       {choice("--target", {"cuda", "cpu"}, "the bundle's target", "cuda"), text("-o", "DIR", "the bundle's folder"),
        batchFlag(), chipFlag(), count("--steps", "N", "the run the schedule spans", "the spec's"),
        count("--epochs", "E", "the run the schedule spans, in epochs", "the spec's"),
        flag("--timing", "each pass's time on stderr")},
       withGraph(runCompile)},
      {"bench",
       {"SPEC [--target=cpu|cuda] [--batch B] [--steps N] [--warmup W] [--matmul=blas|loops]",
        "SPEC --dry [--chip=sm_90] [--batch B] [--json]"},
       "One JSON line: train-step time (median, spread), compile time, memory, in the keys `strata train "
       "--json` prints. --dry: the GPU train step compiled, not run: each kernel and cuBLASLt call in launch "
       "order (threads, bytes, FLOPs, spec lines, time on the chip's roofline), the heaviest, the estimated "
       "step, the arena; a warning for each serial launch.",
       SpecArg::Required,
       {targetFlag("where the step runs"), batchFlag(), count("--steps", "N", "timed steps", "50"),
        count("--warmup", "W", "steps before timing", "10"), matmulFlag(),
        flag("--dry", "estimate the GPU step instead of running it"), chipFlag(),
        flag("--json", "--dry: JSON instead of the table")},
       withGraph(runBench)},
  };
}

const CommandSpec *findCommand(const std::vector<CommandSpec> &table, const std::string &name) {
  for (const CommandSpec &c : table)
    if (c.name == name)
      return &c;
  return nullptr;
}

std::string unknownCommand(const std::vector<CommandSpec> &table, const std::string &name) {
  std::vector<std::string> names;
  for (const CommandSpec &c : table)
    names.push_back(c.name);
  std::string near = closestName(name, names);
  return "unknown command '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
         "; strata --help lists them";
}

std::string versionText() {
  std::string cuda =
#ifdef STRATA_HAVE_CUDA
      "with the CUDA runtime (cuBLASLt, the driver opened at run time)";
#else
      "without the CUDA runtime";
#endif
  return std::string("strata ") + STRATA_VERSION + " (LLVM/MLIR " + LLVM_VERSION_STRING + ", " + cuda + ")\n";
}

bool isHelp(const std::string &arg) { return arg == "--help" || arg == "-h"; }

/// `strata help --json`: the command table as data, for tools (shell
/// completion, test/tools/check-flag-values.py).
std::string tableJson(const std::vector<CommandSpec> &table) {
  static const char *const kKinds[] = {"switch", "count", "real", "choice", "text"};
  static const char *const kSpecs[] = {"required", "optional", "none"};
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const CommandSpec &c : table) {
    nlohmann::ordered_json command;
    command["name"] = c.name;
    command["spec"] = kSpecs[static_cast<int>(c.spec)];
    command["synopses"] = c.synopses;
    command["flags"] = nlohmann::ordered_json::array();
    for (const FlagSpec &f : c.flags)
      command["flags"].push_back({{"name", f.name},
                                  {"kind", kKinds[static_cast<int>(f.kind)]},
                                  {"value", f.value},
                                  {"default", f.defaultText},
                                  {"choices", f.choices},
                                  {"help", f.help}});
    j.push_back(command);
  }
  return j.dump(1) + "\n";
}

} // namespace

int main(int argc, char **argv) {
  std::vector<CommandSpec> table = commandTable();
  if (argc < 2) {
    std::cerr << usageText(table);
    return 1;
  }
  std::string command = argv[1];
  if (isHelp(command)) {
    std::cout << usageText(table);
    return 0;
  }
  if (command == "--version" || command == "version") {
    std::cout << versionText();
    return 0;
  }
  try {
    if (command == "help") {
      if (argc < 3) {
        std::cout << usageText(table);
        return 0;
      }
      if (std::string(argv[2]) == "--json") {
        std::cout << tableJson(table);
        return 0;
      }
      const CommandSpec *asked = findCommand(table, argv[2]);
      if (!asked)
        throw UsageError{unknownCommand(table, argv[2])};
      std::cout << commandHelp(*asked);
      return 0;
    }
    const CommandSpec *found = findCommand(table, command);
    if (!found)
      throw UsageError{unknownCommand(table, command)};
    for (int k = 2; k < argc; ++k)
      if (isHelp(argv[k])) {
        std::cout << commandHelp(*found);
        return 0;
      }
    return found->run(parseArgs(argc, argv, *found));
  } catch (const SpecError &error) {
    std::cerr << error.render();
    return 1;
  } catch (const UsageError &error) {
    std::cerr << "strata: error: " << error.message << "\n";
    return 1;
  } catch (const strata::runtime::Error &error) {
    std::cerr << "strata: error: " << error.message << "\n";
    return 1;
  } catch (const DivergenceError &error) {
    std::cerr << "strata: error: training diverged at step " << error.step << ": " << error.message << "\n";
    return 1;
  } catch (const InternalError &error) {
    std::cerr << "strata: internal error: " << error.message << "\n";
    return 2;
  } catch (const std::exception &error) {
    std::cerr << "strata: internal error: " << error.what() << "\n";
    return 2;
  }
}
