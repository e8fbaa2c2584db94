//===- Cli.cpp - what every strata command shares -------------------------===//

#include "Cli.h"

#include <cstdio>
#include <exception>
#include <fstream>

using namespace strata::tools;

std::string Options::get(const std::string &name, const std::string &fallback) const {
  auto it = flags.find(name);
  return it == flags.end() ? fallback : it->second;
}

int64_t Options::intFlag(const std::string &name, int64_t fallback) const {
  auto it = flags.find(name);
  if (it == flags.end())
    return fallback;
  try {
    size_t used = 0;
    int64_t v = std::stoll(it->second, &used);
    if (used == it->second.size() && v >= 0)
      return v;
  } catch (const std::exception &) {
  }
  throw UsageError{"option '" + name + "' needs a non-negative integer, got '" + it->second + "'"};
}

Options strata::tools::parseArgs(int argc, char **argv, const std::map<std::string, bool> &known,
                                 bool needsSpec) {
  Options options;
  options.command = argv[1];
  for (int k = 2; k < argc; ++k) {
    std::string arg = argv[k];
    if (arg.rfind("-", 0) != 0 || arg == "-") {
      if (!options.spec.empty())
        throw UsageError{"unexpected argument '" + arg + "'"};
      options.spec = arg;
      continue;
    }
    std::string name = arg, value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    auto it = known.find(name);
    if (it == known.end())
      throw UsageError{"unknown option '" + name + "' for '" + options.command + "'"};
    if (it->second && value.empty()) { // the option takes a value
      if (arg.find('=') == std::string::npos && k + 1 < argc)
        value = argv[++k];
      if (value.empty())
        throw UsageError{"option '" + name + "' needs a value"};
    } else if (!it->second && arg.find('=') != std::string::npos) {
      throw UsageError{"option '" + name + "' takes no value"};
    }
    options.flags[name] = value;
  }
  if (options.spec.empty() && needsSpec)
    throw UsageError{"'" + options.command + "' needs a spec file"};
  return options;
}

std::string strata::tools::humanCount(double n) {
  const char *units[] = {"", "K", "M", "G", "T"};
  int u = 0;
  while (n >= 1000 && u < 4) {
    n /= 1000;
    ++u;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, u ? "%.2f %s" : "%.0f%s", n, units[u]);
  return buffer;
}

std::string strata::tools::withCommas(int64_t n) {
  std::string s = std::to_string(n), out;
  for (size_t k = 0; k < s.size(); ++k) {
    if (k && (s.size() - k) % 3 == 0)
      out += ',';
    out += s[k];
  }
  return out;
}

void strata::tools::writeAtomically(const std::string &path, const std::string &text) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary);
    if (!(out << text) || !out.flush())
      throw UsageError{"cannot write '" + path + "'"};
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw UsageError{"cannot write '" + path + "'"};
  }
}
