//===- MLIRGen.cpp - a Graph into the strata dialect ----------------------===//
//
// Every graph node is one strata op. The frontend names node attributes exactly
// as StrataOps.td does, so ops are created generically by name; the verifier then
// re-infers every result type with the same shape functions, which catches any
// disagreement between the frontend and the dialect.
//
//===----------------------------------------------------------------------===//

#include "MLIRGen.h"

#include "StrataDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"

namespace strata::frontend {
namespace {

using namespace mlir;

class Generator {
public:
  Generator(MLIRContext &context, const Graph &graph, MLIRGenOptions options)
      : context(context), builder(&context), graph(graph), options(options) {}

  OwningOpRef<ModuleOp> run() {
    OwningOpRef<ModuleOp> module = ModuleOp::create(builder.getUnknownLoc());
    module->getOperation()->setAttr("strata.model", builder.getStringAttr(graph.model));
    if (graph.train.present)
      module->getOperation()->setAttr("strata.train", trainAttr());
    builder.setInsertionPointToEnd(module->getBody());

    SmallVector<Type> argTypes;
    for (const GraphInput &in : graph.inputs)
      argTypes.push_back(tensorType(graph.values[in.value]));
    SmallVector<Type> resultTypes{tensorType(graph.values[graph.loss])};
    if (graph.represent >= 0)
      resultTypes.push_back(tensorType(graph.values[graph.represent]));
    for (int metric : graph.metrics)
      resultTypes.push_back(tensorType(graph.values[metric]));
    auto func = builder.create<func::FuncOp>(builder.getUnknownLoc(), "forward",
                                             builder.getFunctionType(argTypes, resultTypes));
    Block *entry = func.addEntryBlock();
    for (size_t k = 0; k < graph.inputs.size(); ++k) {
      const GraphInput &in = graph.inputs[k];
      values[in.value] = entry->getArgument(k);
      func.setArgAttr(k, "strata.input", builder.getStringAttr(graph.values[in.value].name));
      func.setArgAttr(k, "strata.field", builder.getStringAttr(in.field));
    }
    func.setResultAttr(0, "strata.loss", builder.getUnitAttr());
    if (graph.represent >= 0)
      func.setResultAttr(1, "strata.represent",
                         builder.getStringAttr(graph.values[graph.represent].name));
    unsigned firstMetric = graph.represent >= 0 ? 2 : 1;
    for (size_t k = 0; k < graph.metrics.size(); ++k)
      func.setResultAttr(firstMetric + k, "strata.metric",
                         builder.getStringAttr(graph.values[graph.metrics[k]].name));

    builder.setInsertionPointToEnd(entry);
    for (const Node &node : graph.nodes)
      emitNode(node);
    SmallVector<Value> results{values.at(graph.loss)};
    if (graph.represent >= 0)
      results.push_back(values.at(graph.represent));
    for (int metric : graph.metrics)
      results.push_back(values.at(metric));
    builder.create<func::ReturnOp>(builder.getUnknownLoc(), results);

    if (failed(verify(*module)))
      return nullptr;
    return module;
  }

private:
  MLIRContext &context;
  OpBuilder builder;
  const Graph &graph;
  MLIRGenOptions options;
  std::map<int, Value> values;

  Type elementType(const std::string &dtype) {
    bool isFloat = dtype == "f32" || dtype == "f64" || dtype == "f16" || dtype == "bf16";
    if (isFloat && options.float64) return builder.getF64Type();
    if (dtype == "f32") return builder.getF32Type();
    if (dtype == "f64") return builder.getF64Type();
    if (dtype == "f16") return builder.getF16Type();
    if (dtype == "bf16") return builder.getBF16Type();
    if (dtype == "i32") return builder.getI32Type();
    return builder.getI64Type();
  }

  RankedTensorType tensorType(const GraphValue &v) {
    SmallVector<int64_t> shape;
    for (int64_t d : v.shape)
      shape.push_back(shapes::isBatch(d) ? ShapedType::kDynamic : d);
    return RankedTensorType::get(shape, elementType(v.dtype));
  }

  Location location(const Node &node, const std::string &name) {
    Location file = FileLineColLoc::get(&context, node.loc.file, node.loc.line, node.loc.col);
    return NameLoc::get(builder.getStringAttr(name), file);
  }

  /// A graph attribute as the dialect spells it; null for a false unit flag.
  Attribute attribute(const std::string &name, const AttrValue &a) {
    switch (a.kind) {
    case AttrValue::Kind::Int:
      return builder.getI64IntegerAttr(a.i);
    case AttrValue::Kind::Float:
      return builder.getF64FloatAttr(a.f);
    case AttrValue::Kind::Bool:
      return a.b ? builder.getUnitAttr() : Attribute();
    case AttrValue::Kind::Ints: {
      SmallVector<int64_t> ints;
      for (int64_t i : a.ints)
        ints.push_back(shapes::isBatch(i) ? -1 : i); // reshape: -1 is inferred
      return builder.getDenseI64ArrayAttr(ints);
    }
    case AttrValue::Kind::Symbol:
      if (name == "init")
        return mlir::strata::InitializerAttr::get(&context,
                                                  *mlir::strata::symbolizeInitializer(a.s));
      if (name == "reduction")
        return mlir::strata::ReductionAttr::get(&context,
                                                *mlir::strata::symbolizeReduction(a.s));
      return builder.getStringAttr(a.s);
    }
    return {};
  }

  void emitNode(const Node &node) {
    const GraphValue &first = graph.values[node.results[0]];
    OperationState state(location(node, first.name), "strata." + node.op);
    for (int operand : node.operands)
      state.addOperands(values.at(operand));
    for (int result : node.results)
      state.addTypes(tensorType(graph.values[result]));
    for (const auto &[name, value] : node.attrs) {
      if (node.op == "constant" && name == "value") {
        auto type = tensorType(first);
        state.addAttribute(name, DenseElementsAttr::get(
                                     type, builder.getFloatAttr(type.getElementType(), value.f)));
        continue;
      }
      if (Attribute attr = attribute(name, value))
        state.addAttribute(name, attr);
    }
    if (node.op == "param")
      state.addAttribute("type", TypeAttr::get(tensorType(first)));
    if (node.op == "token_mask")
      state.addAttribute("element_type", TypeAttr::get(tensorType(first).getElementType()));
    Operation *op = builder.create(state);
    for (size_t k = 0; k < node.results.size(); ++k)
      values[node.results[k]] = op->getResult(k);
  }

  DictionaryAttr argsAttr(const Attrs &attrs) {
    SmallVector<NamedAttribute> entries;
    for (const auto &[name, value] : attrs) {
      Attribute attr = value.kind == AttrValue::Kind::Bool ? builder.getBoolAttr(value.b)
                                                           : attribute(name, value);
      entries.push_back(builder.getNamedAttr(name, attr));
    }
    return builder.getDictionaryAttr(entries);
  }

  DictionaryAttr trainAttr() {
    const TrainConfig &t = graph.train;
    SmallVector<NamedAttribute> entries{
        builder.getNamedAttr("data", builder.getStringAttr(t.dataset)),
        builder.getNamedAttr("data_args", argsAttr(t.datasetArgs)),
        builder.getNamedAttr("batch", builder.getI64IntegerAttr(t.batch)),
        builder.getNamedAttr("seed", builder.getI64IntegerAttr(t.seed)),
        builder.getNamedAttr("optimizer", builder.getStringAttr(t.optimizer)),
        builder.getNamedAttr("optimizer_args", argsAttr(t.optimizerArgs)),
        builder.getNamedAttr("schedule", builder.getStringAttr(t.schedule)),
        builder.getNamedAttr("schedule_args", argsAttr(t.scheduleArgs))};
    if (t.epochs)
      entries.push_back(builder.getNamedAttr("epochs", builder.getI64IntegerAttr(t.epochs)));
    else
      entries.push_back(builder.getNamedAttr("steps", builder.getI64IntegerAttr(t.steps)));
    if (t.clipGradNorm > 0)
      entries.push_back(
          builder.getNamedAttr("clip_grad_norm", builder.getF64FloatAttr(t.clipGradNorm)));
    if (t.initFrozen)
      entries.push_back(builder.getNamedAttr("frozen", builder.getStringAttr(t.initParams)));
    return builder.getDictionaryAttr(entries);
  }
};

} // namespace

void loadDialects(MLIRContext &context) {
  context.loadDialect<mlir::strata::StrataDialect, mlir::func::FuncDialect>();
}

OwningOpRef<ModuleOp> mlirGen(MLIRContext &context, const Graph &graph,
                              MLIRGenOptions options) {
  loadDialects(context);
  return Generator(context, graph, options).run();
}

} // namespace strata::frontend
