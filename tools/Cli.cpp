//===- Cli.cpp - what every strata command shares -------------------------===//

#include "Cli.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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

namespace {

/// Edits between two words, a swap of neighbouring letters counting one
/// (optimal string alignment): "--stpes" is one edit from "--steps".
size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

/// Checks a flag's value against its kind, before the command runs.
void checkValue(const FlagSpec &flag, const std::string &value) {
  switch (flag.kind) {
  case FlagKind::Count: {
    bool digits = !value.empty() && value.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || value.size() > 18)
      throw UsageError{"option '" + flag.name + "' needs a non-negative integer, got '" + value + "'"};
    return;
  }
  case FlagKind::Real: {
    char *end = nullptr;
    std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0')
      throw UsageError{"option '" + flag.name + "' needs a number, got '" + value + "'"};
    return;
  }
  case FlagKind::Choice: {
    std::string known;
    for (const std::string &c : flag.choices) {
      if (c == value)
        return;
      known += (known.empty() ? "" : ", ") + c;
    }
    std::string near = closestName(value, flag.choices);
    throw UsageError{"option '" + flag.name + "' takes " + known + ", not '" + value + "'" +
                     (near.empty() ? "" : " (did you mean '" + near + "'?)")};
  }
  case FlagKind::Switch:
  case FlagKind::Text:
    return;
  }
}

std::string flagUsage(const FlagSpec &flag) {
  if (flag.kind == FlagKind::Switch)
    return flag.name;
  return flag.name + (flag.name.size() > 2 ? "=" : " ") + flag.value;
}

/// `text` wrapped to lines of at most `width` characters, each after `indent`.
std::string wrap(const std::string &text, size_t indent, size_t width) {
  std::string out, line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos)
      end = text.size();
    std::string word = text.substr(start, end - start);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    start = end + 1;
  }
  if (!line.empty())
    out += std::string(indent, ' ') + line + "\n";
  return out;
}

} // namespace

std::string strata::tools::closestName(const std::string &word, const std::vector<std::string> &candidates) {
  std::string best;
  size_t bestDistance = std::string::npos;
  for (const std::string &c : candidates) {
    size_t d = editDistance(word, c);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  size_t letters = word.size() - std::min<size_t>(word.size(), word.rfind("--", 0) == 0 ? 2 : 0);
  return bestDistance <= std::max<size_t>(1, letters / 3) ? best : "";
}

Options strata::tools::parseArgs(int argc, char **argv, const CommandSpec &command) {
  Options options;
  options.command = command.name;
  std::vector<std::string> names;
  for (const FlagSpec &f : command.flags)
    names.push_back(f.name);
  for (int k = 2; k < argc; ++k) {
    std::string arg = argv[k];
    if (arg.rfind("-", 0) != 0 || arg == "-") {
      if (command.spec == SpecArg::None)
        throw UsageError{"'" + command.name + "' takes no spec file, got '" + arg + "'"};
      if (!options.spec.empty())
        throw UsageError{"unexpected argument '" + arg + "'"};
      options.spec = arg;
      continue;
    }
    std::string name = arg, value;
    bool inline_ = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_ = true;
    }
    auto flag = std::find_if(command.flags.begin(), command.flags.end(),
                             [&](const FlagSpec &f) { return f.name == name; });
    if (flag == command.flags.end()) {
      std::string near = closestName(name, names);
      throw UsageError{"unknown option '" + name + "' for '" + command.name + "'" +
                       (near.empty() ? "" : " (did you mean '" + near + "'?)") + "; strata help " +
                       command.name + " lists its options"};
    }
    if (flag->kind == FlagKind::Switch) {
      if (inline_)
        throw UsageError{"option '" + name + "' takes no value"};
    } else {
      if (!inline_ && k + 1 < argc)
        value = argv[++k];
      if (value.empty())
        throw UsageError{"option '" + name + "' needs a value (" + flag->value + ")"};
      checkValue(*flag, value);
    }
    options.flags[name] = value;
  }
  if (options.spec.empty() && command.spec == SpecArg::Required)
    throw UsageError{"'" + command.name + "' needs a spec file"};
  return options;
}

std::string strata::tools::usageText(const std::vector<CommandSpec> &commands) {
  std::string out = "usage: strata <command> [options]\n       strata help <command>   a command's "
                    "options and their defaults\n       strata --version\n\ncommands:\n";
  for (const CommandSpec &c : commands) {
    for (const std::string &synopsis : c.synopses)
      out += "  " + c.name + wrap(synopsis, 3 + c.name.size(), 92).substr(2 + c.name.size());
    out += wrap(c.summary, 6, 92);
  }
  out += "\nSPEC is a .strata (DSL) or .json file.\n";
  return out;
}

std::string strata::tools::commandHelp(const CommandSpec &command) {
  std::string out;
  for (size_t i = 0; i < command.synopses.size(); ++i) {
    std::string head = std::string(i ? "       strata " : "usage: strata ") + command.name;
    out += head + (command.synopses[i].empty() ? "\n" : wrap(command.synopses[i], head.size() + 1, 92).substr(head.size()));
  }
  out += "\n" + wrap(command.summary, 0, 92);
  if (command.flags.empty())
    return out;
  out += "\noptions:\n";
  for (const FlagSpec &f : command.flags) {
    std::string text = f.help; // a choice's values are in its head
    if (!f.defaultText.empty())
      text += " (default: " + f.defaultText + ")";
    std::string head = "  " + flagUsage(f);
    if (head.size() < 28)
      out += head + std::string(28 - head.size(), ' ') + wrap(text, 28, 92).substr(28);
    else
      out += head + "\n" + wrap(text, 28, 92);
  }
  return out;
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

std::string strata::tools::megabytes(int64_t bytes) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f MB", bytes / 1e6);
  return buffer;
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
