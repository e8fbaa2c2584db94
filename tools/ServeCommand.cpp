//===- ServeCommand.cpp - strata serve ------------------------------------===//
//
// An embedding explorer in the browser, served by cpp-httplib (Debian's
// libcpp-httplib) on the loopback interface unless --host says otherwise.
// At start the split is embedded and projected once (tools/PlotCommand.h);
// then:
//   GET /                    the page (tools/serve/explorer.html)
//   GET /api/points          the projected points: [x, y, label, row] each
//   GET /api/item?row=R      one row: its image's pixels or its text
//   GET /api/neighbours?row=R&k=K   its K nearest rows (cosine, exact)
//   GET /api/search?q=TEXT&k=K      a text model's nearest rows to TEXT
// Errors are JSON {"error": ...} with status 400.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"

#include "ExplorerPage.h"
#include "PlotCommand.h"
#include "ModelAccess.h"
#include "VectorSearch.h"
#include "TextRows.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>

using namespace strata;
using namespace strata::tools;
using namespace strata::runtime;

namespace {

/// What the server holds: every row's embedding and the data behind it.
struct Explorer {
  Options options;
  frontend::Graph graph;
  Projection projection;
  Tensor z, unitZ;
  Dataset data;

  int64_t rows() const { return z.shape()[0]; }
  bool isText() const { return data.tokenizer != nullptr && data.fields.count("tokens"); }

  /// Row `row` as the page shows it: class, image pixels (0-255) or text.
  nlohmann::json item(int64_t row) const {
    nlohmann::json j{{"row", row}};
    auto label = data.fields.find("label");
    if (label != data.fields.end() && !projection.classNames.empty())
      j["class"] = projection.classNames.at(label->second.as<int32_t>()[row]);
    auto image = data.fields.find("image");
    if (image != data.fields.end()) {
      int64_t pixels = image->second.numElements() / rows();
      std::vector<int> bytes(pixels);
      for (int64_t p = 0; p < pixels; ++p)
        bytes[p] = static_cast<int>(std::lround(255 * image->second.as<float>()[row * pixels + p]));
      j["pixels"] = bytes;
    }
    if (row < static_cast<int64_t>(data.texts.size()))
      j["text"] = data.texts[row];
    return j;
  }

  nlohmann::json ranked(const std::vector<Neighbour> &list) const {
    nlohmann::json out = nlohmann::json::array();
    for (const Neighbour &n : list) {
      nlohmann::json j = item(n.id);
      j["score"] = n.score;
      out.push_back(j);
    }
    return out;
  }
};

int64_t intParam(const httplib::Request &request, const char *name, int64_t fallback, int64_t low, int64_t high) {
  if (!request.has_param(name))
    return fallback;
  std::string text = request.get_param_value(name);
  char *end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end || value < low || value > high)
    throw UsageError{std::string(name) + " must be an integer in [" + std::to_string(low) + ", " +
                     std::to_string(high) + "], got '" + text + "'"};
  return value;
}

nlohmann::json pointsOf(const Explorer &e) {
  const Projection &p = e.projection;
  nlohmann::json points = nlohmann::json::array();
  for (size_t i = 0; i < p.rows.size(); ++i)
    points.push_back({p.x[i], p.y[i], p.label.empty() ? -1 : p.label[i], p.rows[i]});
  std::string method = p.method == "pca" ? "PCA" : "t-SNE";
  return {{"title", titleOf(e.graph, p)},
          {"subtitle", method + " of " + std::to_string(p.rows.size()) + " of " + std::to_string(p.splitRows) +
                           " rows; hover a point to see it, click it for its nearest neighbours among all " +
                           std::to_string(p.splitRows)},
          {"classes", p.classNames},
          {"text", e.isText()},
          {"points", points}};
}

nlohmann::json neighboursOf(const Explorer &e, const httplib::Request &request) {
  if (!request.has_param("row"))
    throw UsageError{"neighbours needs ?row=R"};
  int64_t row = intParam(request, "row", 0, 0, e.rows() - 1);
  int64_t k = intParam(request, "k", 10, 1, 100);
  Tensor query(DType::F32, {1, e.z.shape()[1]});
  std::memcpy(query.data(), e.unitZ.as<float>() + row * e.z.shape()[1], query.bytes());
  auto found = exactSearch(e.unitZ, query, k, Similarity::Cosine, {{row}});
  return {{"row", row}, {"neighbours", e.ranked(found[0])}};
}

/// A text query, tokenized and embedded by the model (compiled for it).
nlohmann::json searchOf(const Explorer &e, const httplib::Request &request) {
  if (!e.isText())
    throw UsageError{"search by text needs a text model; " + e.data.name + " is not text"};
  std::string q = request.get_param_value("q");
  if (q.empty())
    throw UsageError{"search needs ?q=TEXT"};
  int64_t k = intParam(request, "k", 10, 1, 100);
  int64_t seqLen = e.data.fields.at("tokens").shape()[1];
  Dataset one;
  one.name = e.data.name;
  one.split = e.data.split;
  one.size = 1;
  one.fields["tokens"] = textRows(*e.data.tokenizer, {q}, seqLen);
  Tensor v = representOf(e.options, e.graph, one, 1);
  auto found = exactSearch(e.unitZ, v, k, Similarity::Cosine);
  return {{"query", q}, {"neighbours", e.ranked(found[0])}};
}

/// Wraps a JSON handler: its result with status 200, a UsageError as 400.
template <typename Handler> httplib::Server::Handler api(const Explorer &e, Handler handler) {
  return [&e, handler](const httplib::Request &request, httplib::Response &response) {
    try {
      response.set_content(handler(e, request).dump(), "application/json");
    } catch (const UsageError &error) {
      response.status = 400;
      response.set_content(nlohmann::json{{"error", error.message}}.dump(), "application/json");
    }
  };
}

} // namespace

int strata::tools::runServe(const Options &options, const frontend::Graph &graph) {
  std::string host = options.get("--host", "127.0.0.1");
  int64_t port = options.intFlag("--port", 8765);
  if (port > 65535)
    throw UsageError{"--port must be at most 65535 (0 picks a free port)"};
  Explorer e;
  e.options = options;
  e.graph = graph;
  e.projection = projectSplit(options, e.graph, &e.z, &e.data);
  e.unitZ = unitRows(e.z);

  httplib::Server server;
  // cpp-httplib's default also sets SO_REUSEPORT, with which a second
  // server on a port in use binds too and the kernel splits the requests
  // between the two; SO_REUSEADDR alone still lets a restart reuse the port
  // at once, and makes a port in use an error.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.Get("/", [](const httplib::Request &, httplib::Response &response) {
    response.set_content(kExplorerPage, "text/html; charset=utf-8");
  });
  server.Get("/api/points", api(e, [](const Explorer &x, const httplib::Request &) { return pointsOf(x); }));
  server.Get("/api/item", api(e, [](const Explorer &x, const httplib::Request &request) {
               if (!request.has_param("row"))
                 throw UsageError{"item needs ?row=R"};
               return x.item(intParam(request, "row", 0, 0, x.rows() - 1));
             }));
  server.Get("/api/neighbours", api(e, neighboursOf));
  server.Get("/api/search", api(e, searchOf));

  int bound = port == 0 ? server.bind_to_any_port(host.c_str())
                        : (server.bind_to_port(host.c_str(), static_cast<int>(port)) ? static_cast<int>(port) : -1);
  if (bound < 0)
    throw UsageError{"cannot listen on " + host + ":" + std::to_string(port) +
                     ": the port is in use (another strata serve?) or the address is not this machine's; "
                     "--port 0 picks a free port"};
  std::printf("serving the embedding explorer of %s at http://%s:%d/ (Ctrl-C stops)\n", e.graph.model.c_str(),
              host.c_str(), bound);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
