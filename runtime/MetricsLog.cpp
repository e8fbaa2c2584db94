//===- MetricsLog.cpp - one JSON object per line, per step ----------------===//

#include "MetricsLog.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

using namespace strata::runtime;

MetricsLog::MetricsLog(const std::string &path, int64_t firstStep, bool resume) {
  std::vector<std::string> kept;
  if (resume) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (record.is_object() && record.contains("step") && record["step"].is_number_integer() &&
          record["step"].get<int64_t>() < firstStep)
        kept.push_back(line);
    }
  }
  file_ = std::fopen(path.c_str(), "w");
  if (!file_)
    throw MetricsLogError{"cannot write log '" + path + "': " + std::strerror(errno)};
  for (const std::string &line : kept)
    std::fprintf(file_, "%s\n", line.c_str());
  std::fflush(file_);
}

MetricsLog::~MetricsLog() {
  if (file_)
    std::fclose(file_);
}

void MetricsLog::write(const nlohmann::ordered_json &record) {
  std::string line = record.dump();
  std::fprintf(file_, "%s\n", line.c_str());
  std::fflush(file_); // a killed run keeps every step it logged
}
