#!/usr/bin/python3
"""Check ONNX files with the reference `onnx` package (Debian's python3-onnx).

For each path: onnx.checker.check_model(full_check=True) (which also runs strict shape
inference), then onnx.shape_inference.infer_shapes(check_type, strict_mode) and a comparison of
the inferred graph-output shapes with the declared ones. Prints one JSON line per file and
exits 1 if any file fails, 3 if the onnx package is missing (the tests treat both as failures).

Usage: /usr/bin/python3 test/export/check_onnx.py model.onnx [...]
"""
import json
import sys

try:
    import onnx
    from onnx import shape_inference
except ImportError as e:  # pragma: no cover - reported to the caller
    print(json.dumps({"error": f"python3-onnx is not installed ({e}); apt-get install python3-onnx"}))
    sys.exit(3)


def dims(value_info):
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim]


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    declared = {o.name: dims(o) for o in model.graph.output}
    result = {"path": path, "ok": True, "ir_version": model.ir_version,
              "opset": [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")],
              "outputs": declared}
    # Every intermediate value must get a shape: a gap means inference could not follow the graph.
    infos = {v.name: dims(v) for v in inferred.graph.value_info}
    node_outputs = [o for n in model.graph.node for o in n.output if o and o not in declared]
    missing = [o for o in node_outputs if infos.get(o) is None]
    if missing:
        raise ValueError(f"shape inference left {len(missing)} values without a shape, e.g. {missing[:3]}")
    for o in inferred.graph.output:
        got = dims(o)
        want = declared[o.name]
        if want is not None and got is not None and len(got) != len(want):
            raise ValueError(f"output {o.name}: declared rank {len(want)}, inferred {got}")
        for g, w in zip(got or [], want or []):
            if isinstance(g, int) and isinstance(w, int) and g != 0 and g != w:
                raise ValueError(f"output {o.name}: declared {want}, inferred {got}")
    result["onnx_version"] = onnx.__version__
    return result


def main(paths):
    failed = 0
    for p in paths:
        try:
            print(json.dumps(check(p)))
        except Exception as e:  # noqa: BLE001 - every failure is reported per file
            failed += 1
            print(json.dumps({"path": p, "ok": False, "error": f"{type(e).__name__}: {e}"}))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
