# Centralised XGBoost on rows a test hands over, for comparing fedmark's federated trees with the
# library the field measures against. Debian's python3-xgboost (.ci/run installs it); no network.
# stdin: JSON {"train": {"x": [[...]], "y": [...]}, "evaluation": {"x": [[...]]}, "params": {...},
# "rounds": n, "categorical": [column indices]}; stdout: JSON {"scores": [...], "version": "..."}.
import json
import sys

import numpy as np
import xgboost as xgb

request = json.load(sys.stdin)
categorical = set(request.get("categorical", []))


def matrix(part, labels=None):
    x = np.asarray(part["x"], dtype=np.float64)
    types = ["c" if j in categorical else "q" for j in range(x.shape[1])]
    return xgb.DMatrix(x, label=labels, feature_types=types, enable_categorical=bool(categorical))


train = matrix(request["train"], np.asarray(request["train"]["y"], dtype=np.float64))
evaluation = matrix(request["evaluation"])
booster = xgb.train(request["params"], train, num_boost_round=request["rounds"])
scores = booster.predict(evaluation, output_margin=True)
json.dump({"scores": scores.tolist(), "version": xgb.__version__}, sys.stdout)
