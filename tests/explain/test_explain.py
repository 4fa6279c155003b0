"""explain: each article example states its lesson; retraces, loops and the variable pitfall on
test files, all from real traces (each file traced once per module)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..conftest import DATA, EXAMPLES

_CACHE: dict[tuple[Path, tuple[str, ...]], dict[str, Any]] = {}
_MODELS: dict[tuple[Path, str], list[Any]] = {}  # (file, function) -> models of its drawings


def explain_file(path: Path, *functions: str) -> dict[str, dict[str, Any]]:
    """{function name: its explanation}, traced and explained in-process (cached)."""
    key = (path, functions)
    if key not in _CACHE:
        from tfgraphviz.capture import capture_file
        from tfgraphviz.capture.hooks.output import captured_output
        from tfgraphviz.explain.core import explain_function
        from tfgraphviz.model.build import to_networkx

        with captured_output():
            traced = capture_file(path, list(functions) or None).entries
        for t in traced:
            _MODELS[(path, t.name)] = [to_networkx(g, t.name) for g in t.graphs]
        _CACHE[key] = {t.name: explain_function(t, _MODELS[(path, t.name)], path)
                       for t in traced}
    return _CACHE[key]


def found(explanation: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in explanation["findings"] if f["kind"] == kind]


def one(explanation: dict[str, Any], kind: str, *needles: str) -> dict[str, Any]:
    """The one finding of this kind whose text holds every needle."""
    hits = [f for f in found(explanation, kind) if all(n in f["text"] for n in needles)]
    assert len(hits) == 1, (kind, needles, [f["text"] for f in found(explanation, kind)])
    return hits[0]


# ---- the article's examples ------------------------------------------------------------------
@pytest.mark.parametrize("stem", ["article_variable_fails", "article_eager"])
def test_variable_created_in_the_body_fails_on_the_second_trace(stem):
    fn = explain_file(EXAMPLES / f"{stem}.py", "f")["f"]
    line = next(i for i, text in enumerate((EXAMPLES / f"{stem}.py").read_text().splitlines(),
                                           1) if "tf.Variable(12.0)" in text)
    first, second = fn["traces"]
    assert first["cause"] is None and not first["error"] and first["created_variables"]
    assert second["error_kind"] == "variable_creation" and second["graph"] is None
    assert "trace 1 created tf.Variables" in second["cause"]["by_tensorflow"]
    pitfall = one(fn, "variable_pitfall", "`b = tf.Variable(12.0)`", "trace 1 created it",
                  "trace 2 ran that line again")
    assert (pitfall["where"], pitfall["line"]) == (f"{stem}.py:{line}", line)
    fixes = [f["text"] for f in found(fn, "variable_fix")]
    assert len(fixes) == 3
    assert "`def f(b)`" in fixes[0]
    assert "`b = None` at module level" in fixes[1] and "`global b`" in fixes[1]
    assert "`class F`" in fixes[2] and "if self.b is None" in fixes[2]


def test_print_runs_while_tracing_and_tf_print_at_every_call():
    fn = explain_file(EXAMPLES / "article_variable_fails.py")["f"]
    printed = one(fn, "trace_print", '`print("PRINT: ", y)`', "only while tracing",
                  "in trace 1 of 2", "trace 2 failed at line 15 before reaching it")
    assert printed["where"] == "article_variable_fails.py:17" and printed["traces"] == [1]
    assert fn["traces"][0]["printed"][0]["line"] == 17
    op = one(fn, "graph_print", '`tf.print("TF-PRINT: ", y)`', "every call")
    assert op["ops"] == ["PrintV2"] and op["graph"] == 0 and op["line"] == 18


@pytest.mark.parametrize("stem,name,guard,line", [
    ("article_class_fix", "f.__call__", "`if self._b is None` at line 14", 14),
    ("article_global_fix", "f", "`if b is None` at line 13", 13),
])
def test_fixed_variable_is_created_once(stem, name, guard, line):
    fn = explain_file(EXAMPLES / f"{stem}.py")[name]
    assert [t["error"] for t in fn["traces"]] == [None, None]
    assert "created tf.Variables" in fn["traces"][1]["cause"]["by_tensorflow"]
    once = one(fn, "variable_once", guard, "created once")
    assert once["line"] == line and once["graph"] == fn["traces"][1]["graph"]
    assert not found(fn, "variable_pitfall")
    folded = one(fn, "folded_if", "Python decided it while tracing", "neither branch")
    assert folded["line"] == line
    (variable,) = fn["state"]
    assert fn["state"][variable]["reads"] and not fn["state"][variable]["writes"]


def test_variable_passed_in_is_state_the_caller_sees():
    fns = explain_file(EXAMPLES / "article_variable_argument.py")
    count = fns["count"]
    assert count["state"]["counter"]["writes"] and count["state"]["counter"]["reads"]
    state = one(count, "state", "`counter`", "AssignAddVariableOp at line 20",
                "ReadVariableOp at line 21", "passed in as an argument")
    assert set(state["ops"]) == set(count["state"]["counter"]["writes"]
                                    + count["state"]["counter"]["reads"])
    order = one(count, "auto_control", "AssignAddVariableOp at line 20",
                "runs before the ReadVariableOp at line 21")
    assert order["line"] == 21 and len(order["ops"]) == 2
    read = one(fns["f"], "state", "`b`", "reads it", "passed in as an argument: each call "
               "reads its current value")
    assert "caller sees the updates" not in read["text"]


def test_tf1_graph_is_not_traced_and_needs_its_initializer():
    fn = explain_file(EXAMPLES / "article_tf1_graph.py")["g"]
    assert fn["traces"] == [] and not found(fn, "auto_control")
    one(fn, "tf1_graph", "built by hand", "no automatic control dependencies")
    init = one(fn, "tf1_graph", "global_variables_initializer", "Session must run it")
    assert init["line"] == 11


# ---- retraces --------------------------------------------------------------------------------
def test_retrace_causes_name_the_argument_and_the_change():
    fns = explain_file(DATA / "explain_retrace.py")
    assert fns["scale"]["traces"][1]["cause"] == {
        "argument": "factor", "what": "value", "change": "1 → 2"}
    causes = [t["cause"] for t in fns["total"]["traces"]]
    assert causes == [None, {"argument": "x", "what": "shape", "change": "[] → [2]"},
                      {"argument": "x", "what": "dtype", "change": "float32 → int32"}]
    one(fns["total"], "retrace", "(trace 2)", "`x` changed [] → [2]")
    hint = one(fns["total"], "retrace_hint", "input_signature", "reduce_retracing=True")
    assert "tf.TensorSpec(None, tf.float32)" in hint["text"]
    one(fns["total"], "retrace_hint", "float32 and int32", "tf.cast")
    one(fns["scale"], "retrace_hint", "`factor` is a Python value", "tf.TensorSpec([], tf.int32)")


def test_retrace_by_a_new_structure_and_a_new_python_object():
    fns = explain_file(DATA / "explain_retrace.py")
    assert fns["summed"]["traces"][1]["cause"] == {
        "argument": "parts", "what": "structure",
        "change": "[float32[], float32[]] → [float32[], float32[], float32[]]"}
    assert fns["configured"]["traces"][1]["cause"] == {
        "argument": "settings", "what": "object", "change": "another Python Settings object"}
    one(fns["configured"], "retrace", "`settings` is another Python Settings object",
        "identity")
    one(fns["configured"], "retrace_hint", "`settings` is a Python object", "reuse one object")


def test_many_traces_warn_and_only_then():
    fns = explain_file(DATA / "explain_retrace.py")
    warning = one(fns["offset"], "retrace_warning", "traced 5 times")
    assert warning["where"] == "explain_retrace.py:26"
    assert len(found(fns["offset"], "retrace")) == 4
    assert not found(fns["total"], "retrace_warning")


def test_shape_hint_keeps_the_dimensions_that_agree():
    from tfgraphviz.explain.retrace import _general_spec

    params = [{"shape": "[2,3]", "dtype": "float32"}, {"shape": "[5,3]", "dtype": "float32"}]
    assert _general_spec(params) == "tf.TensorSpec([None, 3], tf.float32)"


# ---- AutoGraph -------------------------------------------------------------------------------
def test_python_for_is_unrolled_and_tensor_for_becomes_while():
    fns = explain_file(DATA / "explain_loops.py")
    unrolled = one(fns["unrolled"], "unrolled", "`for _ in range(3)`", "3 copies",
                   "3 × Mul at line 9")
    assert unrolled["line"] == 8
    assert [o for o in unrolled["ops"] if "/" not in o] == ["mul", "mul_1", "mul_2"]
    assert not found(fns["unrolled"], "autograph")
    loop = one(fns["looped"], "autograph", "`for _ in tf.range(n)`", "While op")
    assert loop["line"] == 15 and loop["ops"] == ["while"]
    assert not found(fns["looped"], "unrolled")


def test_tensor_if_break_assert_and_python_if():
    fns = explain_file(DATA / "explain_loops.py")
    one(fns["until"], "autograph", "`if total > limit`", "If op")
    brk = one(fns["until"], "autograph", "`break`", "tensor loop at line 23")
    assert brk["line"] == 25
    check = one(fns["checked"], "autograph", "`assert tf.reduce_all(x > 0.0)`", "Assert op")
    assert check["ops"] and all("Assert" in op for op in check["ops"])
    folded = one(fns["checked"], "folded_if", "`if verbose`", "else branch (line 36)")
    assert folded["line"] == 33 and folded["ops"]


def test_loops_and_conds_example():
    fns = explain_file(EXAMPLES / "loops_and_conds.py")
    power = fns["power"]
    assert power["traces"][1]["cause"]["change"] == "3 → 5"
    copies = sorted(f["copies"] for f in found(power, "unrolled"))
    assert copies == [3, 5]
    loop = one(fns["collatz_steps"], "autograph", "`while n != 1`", "While op",
               "carrying steps, n", "`ag__.while_stmt` at line")
    assert loop["autograph_line"] > 0
    one(fns["normalize"], "call", "`return x / norm(x)`", "tf.function `norm`")


# ---- the variable error in a method and in a function ----------------------------------------
def test_variable_error_in_a_method_uses_its_names():
    fn = explain_file(DATA / "explain_variable.py")["counter.step"]
    pitfall = one(fn, "variable_pitfall", "`self.count = tf.Variable(0.0)`")
    assert pitfall["where"] == "explain_variable.py:12"
    fixes = [f["text"] for f in found(fn, "variable_fix")]
    assert "`def step(self, x, count)`" in fixes[0]
    assert "`self.count = None` in `Counter.__init__`" in fixes[1]
    assert "if self.count is None" in fixes[1]
    assert "`self.count = tf.Variable(0.0)` in `Counter.__init__`" in fixes[2]


def test_variable_error_in_a_function_uses_its_names():
    fn = explain_file(DATA / "explain_variable.py")["affine"]
    pitfall = one(fn, "variable_pitfall", "`weights = tf.Variable(tf.ones([2]))`")
    assert pitfall["line"] == 22
    fixes = [f["text"] for f in found(fn, "variable_fix")]
    assert "`def affine(x, weights)`" in fixes[0]
    assert "`global weights`" in fixes[1]
    assert "`class Affine`" in fixes[2] and "self.weights = tf.Variable(tf.ones([2]))" in fixes[2]


# ---- control edges and text ------------------------------------------------------------------
def test_control_edges_by_origin():
    step = explain_file(EXAMPLES / "control_deps.py")["step"]
    mine = one(step, "user_control", "Identity at line 14", "PrintV2 at line 12")
    assert mine["where"] == "control_deps.py:14"
    order = one(step, "auto_control", "AssignVariableOp at line 15",
                "runs before the AssignAddVariableOp at line 16")
    assert order["ops"] == ["AssignAddVariableOp", "AssignVariableOp"]
    one(step, "auto_control", "function's outputs wait for")
    one(step, "library_control", "TensorFlow's own code")
    assert set(step["state"]["v"]) == {"graph", "reads", "writes"}


def test_to_text_one_finding_a_line_with_its_place():
    from tfgraphviz.explain.core import to_text

    fn = explain_file(EXAMPLES / "article_variable_fails.py")["f"]
    lines = to_text({"functions": [fn]})
    assert lines[0] == "f: traced 2 times"
    assert lines[1:3] == ["  trace 1 (): ok, made by tfgraphviz (no arguments)",
                          "  trace 2 (): failed, made by tfgraphviz (no arguments)"]
    assert all("\n" not in line for line in lines)
    pitfall = [ln for ln in lines if "creates a tf.Variable" in ln]
    assert pitfall == [f"  article_variable_fails.py:15: {one(fn, 'variable_pitfall')['text']}"]
    assert len(lines) == 3 + len({(f["where"], f["text"]) for f in fn["findings"]})


def test_to_text_says_which_trace_a_finding_of_one_drawing_is_about():
    from tfgraphviz.explain.core import to_text

    fn = explain_file(EXAMPLES / "loops_and_conds.py")["power"]
    unrolled = [ln for ln in to_text({"functions": [fn]}) if "unrolled" in ln]
    assert len(unrolled) == 2
    assert "(trace 1) " in unrolled[0] and "3 copies" in unrolled[0]
    assert "(trace 2) " in unrolled[1] and "5 copies" in unrolled[1]
    retrace = [ln for ln in to_text({"functions": [fn]}) if "traced again" in ln]
    assert retrace and not any(": (trace" in ln for ln in retrace)  # it names it already


def test_a_finding_lists_at_most_max_ops_and_says_how_many(tmp_path):
    from tfgraphviz.explain.graph import MAX_OPS, finding
    from tfgraphviz.explain.source import Source

    src = Source.read(tmp_path / "f.py", "x = 1\n")
    ids = [f"op{i:04d}" for i in range(MAX_OPS + 50)]
    many = finding("state", "text", src, 1, 0, ids[::-1])
    assert many["ops"] == ids[:MAX_OPS] and many["ops_total"] == MAX_OPS + 50
    assert many["where"] == "f.py:1"
    assert "ops_total" not in finding("state", "text", src, 0, 0, ids[:3])



def test_other_tracing_errors_are_said_with_their_line():
    fns = explain_file(DATA / "explain_variable.py")
    error = one(fns["first_of"], "trace_error", "trace 1 of `first_of` failed at line 29",
                "`raise ValueError(", "ValueError: first_of needs a known length")
    assert error["where"] == "explain_variable.py:29" and error["trace"] == 0
    assert fns["first_of"]["traces"][0]["error_kind"] == "other"
    assert not found(fns["affine"], "trace_error")  # the variable error is the pitfall


# ---- the newcomer's trials (second round) ----------------------------------------------------
def _line_of(path: Path, needle: str, after: int = 0) -> int:
    return next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if i > after and needle in text)


def test_the_traced_def_is_found_by_its_code_line_not_by_its_name():
    path = DATA / "explain_defs.py"
    fns = explain_file(path)
    model_call = _line_of(path, "def __call__")
    assert fns["m.__call__"]["line"] == model_call
    assert not any("self.count is None" in f["text"] for f in fns["m.__call__"]["findings"])
    assert fns["c.__call__"]["line"] == _line_of(path, "def __call__", model_call)
    power = fns["power_as_graph"]
    assert power["line"] == _line_of(path, "def power")
    unrolled = one(power, "unrolled", "`for _ in range(y)`", "3 copies")
    assert unrolled["line"] == _line_of(path, "for _ in range(y)")


def test_a_funcgraph_is_said_to_be_traced_by_tf_function_and_its_result_is_used():
    path = DATA / "explain_funcgraph.py"
    fn = explain_file(path)["graph"]
    said = one(fn, "func_graph", "`graph` is the graph tf.function traced for `double_strings`")
    assert said["graph"] == 0
    assert not found(fn, "tf1_graph")
    (model,) = _MODELS[(path, "graph")]
    add = next(n for n, d in model.nodes(data=True) if d["op"] in ("Add", "AddV2"))
    assert not model.nodes[add]["unused"]
    identity = next(n for n, d in model.nodes(data=True) if d["op"] == "Identity")
    assert not model.nodes[identity]["unused"] and model.nodes[identity]["function_output"]


def test_recursion_with_a_python_value_is_not_a_retrace_by_your_calls():
    fn = explain_file(DATA / "explain_recursion.py")["countdown"]
    assert [t["signature"] for t in fn["traces"]] == ["(n: 3)", "(n: 2)", "(n: 1)", "(n: 0)"]
    assert [t["nested_in"] for t in fn["traces"]] == [None, 0, 1, 2]
    assert all(t["cause"]["recursion"] == t["index"] - 1 for t in fn["traces"][1:])
    one(fn, "recursion", "`countdown` calls itself with a Python value (`n`: 3 → 2 → 1 → 0)",
        "traces 2–4 started inside trace 1")
    assert not found(fn, "retrace") and not found(fn, "retrace_warning")
    assert not found(fn, "retrace_hint")
    # the innermost level (n: 0) took the else branch: its ops' stacks hold the outer levels'
    # frames of the body's recursive call, which are not its own
    folded = {f["graph"]: f["text"] for f in found(fn, "folded_if")}
    assert "only the ops of its body" in folded[0]
    assert "only the ops of its body" not in folded[3]


def test_endless_recursion_while_tracing_is_said_once():
    from tfgraphviz.explain.core import to_text

    fn = explain_file(DATA / "explain_recursion.py")["endless"]
    count = len(fn["traces"])
    assert count > 5 and fn["traces"][-1]["nested_in"] == count - 2
    one(fn, "recursion", "`endless` calls itself while it is being traced",
        f"traces 2–{count} started inside trace 1", "never reached an end")
    error = one(fn, "trace_error", f"traces 1–{count} of `endless` failed the same way",
                "RecursionError")
    assert error["traces"] == list(range(count))
    assert not found(fn, "retrace")
    lines = to_text({"functions": [fn]})
    assert len(lines) < 8, lines
    assert f"  traces 2–{count} (n: int32[]): failed, each inside the one before (recursion)" \
        in lines


def test_variables_created_by_library_code_name_the_call_and_fitting_fixes():
    path = DATA / "explain_library_vars.py"
    fn = explain_file(path)["train_step"]
    line = _line_of(path, "optimizer.apply_gradients(")
    pitfall = one(fn, "variable_pitfall", "`optimizer.apply_gradients(...)` at line "
                  f"{line} created tf.Variables inside library code", "`optimizer` is another")
    assert pitfall["line"] == line and pitfall["created_by"] == "optimizer.apply_gradients"
    fixes = [f["text"] for f in found(fn, "variable_fix")]
    assert len(fixes) == 2, fixes
    assert "before the first traced call" in fixes[0] and "optimizer.build(" in fixes[0]
    assert "one tf.function per `optimizer` object" in fixes[1]
    assert not any("tf.Variable(...)" in f or "class Train_step" in f for f in fixes)
    one(fn, "variable_once", "its tf.Variables are created once (by trace 1)")


def test_hints_use_the_dtype_seen_and_the_parameter_position():
    fns = explain_file(DATA / "explain_wording.py")
    hint = one(fns["steps"], "retrace_hint", "`num_steps` is a Python value")
    assert "`input_signature=[tf.TensorSpec([], tf.int32)]`" in hint["text"]
    dtype = one(fns["double"], "retrace_hint", "`a` came as float32, int32 and string:")
    assert "tf.cast" not in dtype["text"] and "string cannot be cast" in dtype["text"]


def test_retrace_wording_names_kinds_once_and_every_change():
    fns = explain_file(DATA / "explain_wording.py")
    retrace = one(fns["add"], "retrace", "`a` changed a tensor float32[2,2] → a tf.Variable "
                  "float32[] (a different kind of argument)")
    assert "tf.Variable tf.Variable" not in retrace["text"]
    assert "; also `b` changed a tensor float32[2,2] → a Python value 1.0" in retrace["text"]
    assert not any("caller sees" in f["text"] for f in fns["add"]["findings"])
    one(fns["flavor"], "retrace", "`fruit` is another Python Apple object")
    ragged = one(fns["ragged_sum"], "retrace", "`x` changed a tensor int32[2] → a "
                 "tf.RaggedTensor int32[")
    assert "Python object" not in ragged["text"]


def test_a_retrace_made_by_saving_names_the_line_that_saved():
    path = DATA / "explain_save.py"
    fn = explain_file(path)["doubler.__call__"]
    line = _line_of(path, "tf.saved_model.save(")
    assert fn["traces"][1]["cause"]["saving_line"] == line
    retrace = one(fn, "retrace", "trace 2", f"tf.saved_model.save, called at line {line}")
    assert retrace["line"] == line and "same arguments" not in retrace["text"]


def test_prints_under_run_functions_eagerly_are_not_said_to_never_run_at_calls():
    path = DATA / "explain_eager.py"
    fn = explain_file(path)["noisy"]
    line = _line_of(path, "tf.config.run_functions_eagerly(True)", after=3)
    printed = one(fn, "trace_print", '`print("Calculating")`',
                  f"`tf.config.run_functions_eagerly(True)` at line {line} was in effect")
    assert "those ran the Python body" in printed["text"]


def test_a_restored_function_was_not_retraced_here():
    from tfgraphviz.explain.core import to_text

    fn = explain_file(DATA / "explain_restored.py")["loaded.__call__"]
    assert [t["cause"] for t in fn["traces"]] == [None, None]
    assert not found(fn, "retrace")
    one(fn, "restored", "loaded with tf.saved_model.load", "2 graphs are the ConcreteFunctions")
    assert to_text({"functions": [fn]})[0] == \
        "loaded.__call__: loaded from a SavedModel: 2 ConcreteFunctions"


def test_hints_cover_every_argument_that_changed():
    fn = explain_file(DATA / "explain_wording.py")["add"]
    retrace = one(fn, "retrace", "(trace 2)")
    assert retrace["text"].count("changed") == 2
    hints = {h["argument"] for h in found(fn, "retrace_hint")}
    assert hints == set(), hints  # kinds changed: no input_signature fits both
    shapes = explain_file(DATA / "explain_shapes2.py")["step"]
    assert {h["argument"] for h in found(shapes, "retrace_hint")} == {"x", "y"}
    x_hint = one(shapes, "retrace_hint", "`x` came with 2 shapes")
    assert "`input_signature=[tf.TensorSpec([None, 3], tf.float32), ...]`" in x_hint["text"]
    one(shapes, "retrace_hint", "`y` came with 2 shapes",
        "`input_signature=[..., tf.TensorSpec([None], tf.int32)]`")


@pytest.mark.slow
def test_cli_explain_of_endless_recursion_is_short(tmp_path):
    import json

    from ..conftest import run_cli

    result = run_cli("explain", str(DATA / "explain_recursion.py"), "-o", str(tmp_path / "out"),
                     "--json")
    assert result.code == 1, result.stderr  # endless failed: its traces are errors
    explained = {f["name"]: f for f in json.loads(result.stdout)["functions"]}
    endless = explained["endless"]
    assert [f["kind"] for f in endless["findings"]].count("trace_error") == 1
    assert [f["kind"] for f in endless["findings"]].count("retrace") == 0
    assert explained["countdown"]["traces"][1]["cause"]["recursion"] == 0


# ---- issue #11: only true things -------------------------------------------------------------
def test_python_loops_are_counted_by_iterations_not_by_one_op_kind():
    fns = explain_file(DATA / "explain_unroll.py")
    ddpg = one(fns["update_target"], "unrolled", "unrolled into 6 copies of its ops",
               "(6 iterations: 6 × AssignVariableOp at line 12)")
    assert ddpg["copies"] == ddpg["iterations"] == 6 and ddpg["line"] == 11
    assert one(fns["soft_update"], "unrolled", "3 copies", "3 iterations")["copies"] == 3
    # the last layer has no activation: the body's ops are not the same each time
    assert one(fns["stack"], "unrolled", "3 iterations")["iterations"] == 3
    assert one(fns["skipping"], "unrolled", "4 iterations", "4 × Mul at line 35")


def test_iterations_from_the_ops_a_body_made():
    from tfgraphviz.explain.graph import _iterations

    body = [(12, "ReadVariableOp"), (12, "Mul"), (12, "Sub"), (12, "ReadVariableOp"),
            (12, "Mul"), (12, "AddV2"), (12, "AssignVariableOp")]
    assert _iterations(body * 6) == 6  # two reads and two products an iteration
    assert _iterations([(5, "Mul")] * 4 + [(6, "AddV2")] * 3) == 4  # a branch skipped once
    assert _iterations([(5, "Mul"), (6, "AddV2")]) == 1


def test_keras_weights_sharing_a_name_are_counted_apart():
    fn = explain_file(DATA / "explain_keras_vars.py")["forward"]
    names = list(fn["state"])
    assert len(names) == 12 and len(set(names)) == 12  # 2 blocks × (2 Dense + 1 norm) × 2
    assert sum(n.endswith("/kernel") for n in names) == 4
    assert sum(n.endswith("/gamma") for n in names) == 2
    assert all(":0" not in n for n in names)
    one(fn, "state", "`forward` reads 12 variables and writes none")
    reads = [op for entry in fn["state"].values() for op in entry["reads"]]
    assert len(reads) == len(set(reads)) == 12  # each read belongs to one variable


def test_the_trace_tfgraphviz_makes_with_no_arguments_is_not_told_as_a_retrace():
    fns = explain_file(DATA / "explain_defaults.py")
    sample = fns["model.sample"]
    ours = sample["traces"][2]
    assert ours["by_tfgraphviz"] is True and ours["signature"] == "(eps: None)"
    assert "by_tfgraphviz" in ours["cause"] and "argument" not in ours["cause"]
    assert [t["by_tfgraphviz"] for t in sample["traces"]] == [False, False, True]
    assert [f["trace"] for f in found(sample, "retrace")] == [1]  # float32 → float64 only
    one(sample, "tfgraphviz_trace", "trace 3 of `model.sample` was made by tfgraphviz",
        "(`eps` = None)")
    hint = one(sample, "retrace_hint", "`eps` came as float32 and float64:")
    assert "?" not in hint["text"]
    # the file itself passed None: that is a trace of yours, said as one, kinds listed once
    scale = fns["scale"]
    assert not any(t["by_tfgraphviz"] for t in scale["traces"])
    one(scale, "retrace", "(trace 3)", "a Python value None")
    one(scale, "retrace_hint", "`factor` came as float32, float64 and a Python value None:")
    lonely = fns["never_called"]
    assert lonely["traces"][0]["by_tfgraphviz"] and lonely["traces"][0]["cause"] is None
    one(lonely, "tfgraphviz_trace", "trace 1 of `never_called`", "(`n` = 3)")
    from tfgraphviz.explain.core import to_text

    assert "  trace 1 (n: 3): ok, made by tfgraphviz (no arguments)" in to_text(
        {"functions": [lonely]})


def test_autograph_findings_cover_the_defs_a_tf_function_calls():
    fn = explain_file(DATA / "explain_called.py")["translator.__call__"]
    called = "(in `Translator.__call__`, called from `translator.__call__`)"
    loop = one(fn, "autograph", "`for i in tf.range(max_length)`", called, "a While op")
    assert loop["line"] == 10 and loop["statement"] == "for"
    assert loop["ops"] == ["while"]
    brk = one(fn, "autograph", "`break`", called, "tensor loop at line 10")
    assert brk["line"] == 14 and brk["ops"] == loop["ops"]
    one(fn, "autograph", "`if predicted > 10.0`", called, "an If op")
    one(fn, "autograph", "`if tf.reduce_sum(x) > 0.0` (in `clip`, called from", "an If op")
    # a called def's Python loop may have run once per call: not counted as if it ran once
    assert not found(fn, "unrolled") and not found(fn, "folded_if")
    # the traced def's own statements are said without the called-from note
    assert not any("ExportTranslator" in f["text"] for f in fn["findings"])


def test_jit_compile_is_in_the_title_the_json_and_the_explanation():
    import json

    from tfgraphviz.drawing.dot import heading_of, to_dot
    from tfgraphviz.export.nodelink import from_json, to_json

    fns = explain_file(DATA / "explain_jit.py")
    (fast,), (plain,) = _MODELS[(DATA / "explain_jit.py", "fast")], \
        _MODELS[(DATA / "explain_jit.py", "plain")]
    assert fast.graph["jit_compile"] is True and plain.graph["jit_compile"] is False
    assert heading_of(fast) == "fast(x: float32[3]) (jit_compile=True, compiled with XLA)"
    assert heading_of(plain) == "plain(x: float32[3])"
    assert "compiled with XLA" in to_dot(fast) and "XLA" not in to_dot(plain)
    assert json.loads(to_json(fast))["graph"]["jit_compile"] is True
    assert from_json(to_json(fast)).graph["jit_compile"] is True
    said = one(fns["fast"], "jit_compile", "`fast` has jit_compile=True", "XLA compiles")
    assert said["line"] == 7 and said["graphs"] == [0]
    assert not found(fns["plain"], "jit_compile")


@pytest.mark.parametrize("message", [
    "ValueError: Creating variables on a non-first call to a function decorated with "
    "tf.function.",  # TF 2.21
    "ValueError: tf.function only supports singleton tf.Variables created on the first call. "
    "Make sure the tf.Variable is only created once or created outside tf.function.",
])
def test_fallback_traces_classify_tf_variable_errors_as_the_trace_records_do(tmp_path, message):
    """A function with no TraceInfo (a failed or restored one) is explained from its error
    texts: the same TensorFlow message is a variable-creation error there too, at its line."""
    from tfgraphviz.capture.records import TracedFunction
    from tfgraphviz.explain.core import explain_function

    source = tmp_path / "f.py"
    source.write_text("import tensorflow as tf\n\n\n@tf.function\ndef f(x):\n"
                      "    v = tf.Variable(1.0)\n    return x + v\n")
    traced = TracedFunction("f", "function")
    traced.errors.append(message + "\n  at f.py:6: v = tf.Variable(1.0)")
    (trace,) = explain_function(traced, [], source)["traces"]
    assert (trace["error_kind"], trace["error_line"]) == ("variable_creation", 6)


def _record_problems(value: Any, hint: Any, where: str) -> list[str]:
    """Where `value` does not follow the type `hint` (TypedDicts, lists, dicts, unions)."""
    import types
    import typing

    if typing.is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not a {hint.__name__}"]
        hints = typing.get_type_hints(hint)
        problems = [f"{where}: {hint.__name__} lacks {key!r}"
                    for key in sorted(hint.__required_keys__ - value.keys())]
        problems += [f"{where}: {hint.__name__} has no key {key!r}"
                     for key in sorted(value.keys() - hints.keys())]
        for key in sorted(value.keys() & hints.keys()):
            problems += _record_problems(value[key], hints[key], f"{where}.{key}")
        return problems
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: not a list"]
        return [p for i, item in enumerate(value)
                for p in _record_problems(item, args[0], f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: not a dict"]
        return [p for k, item in value.items()
                for p in _record_problems(item, args[1], f"{where}[{k!r}]")]
    if origin in (typing.Union, types.UnionType):
        options = [_record_problems(value, arg, where) for arg in args]
        return [] if any(not o for o in options) else options[0]
    if hint is type(None):
        return [] if value is None else [f"{where}: {value!r} is not None"]
    if hint is int:  # a bool is not a line number
        ok = isinstance(value, int) and not isinstance(value, bool)
        return [] if ok else [f"{where}: {value!r} is not an int"]
    return [] if isinstance(value, hint) else [f"{where}: {value!r} is not a {hint.__name__}"]


def test_explanations_follow_their_typed_records():
    """Every key an explanation holds is declared in explain/records.py with its type, and
    every required key is there: traces with causes, recursion, prints, the variable pitfall
    and its fixes, AutoGraph loops, unrolled loops, state, jit_compile, a restored function."""
    from tfgraphviz.explain.records import FunctionExplanation

    files = [EXAMPLES / f"{name}.py" for name in (
        "article_variable_fails", "article_class_fix", "control_deps", "loops_and_conds")]
    files += [DATA / f"explain_{name}.py" for name in (
        "retrace", "recursion", "variable", "loops", "unroll", "jit", "restored", "defaults")]
    kinds: set[str] = set()
    for path in files:
        for name, explanation in explain_file(path).items():
            assert _record_problems(explanation, FunctionExplanation, name) == []
            kinds |= {f["kind"] for f in explanation["findings"]}
    assert {"retrace", "recursion", "autograph", "unrolled", "state", "jit_compile",
            "restored", "variable_fix"} <= kinds, kinds
    # the check itself sees an undeclared key, a missing one and a wrong type
    wrong = dict(explain_file(EXAMPLES / "control_deps.py")["step"], colour="red")
    wrong["findings"] = [{**f, "line": str(f["line"])} for f in wrong["findings"]]
    del wrong["state"]
    problems = _record_problems(wrong, FunctionExplanation, "step")
    assert any("no key 'colour'" in p for p in problems)
    assert any("lacks 'state'" in p for p in problems)
    assert any(".line: " in p and "is not an int" in p for p in problems)
