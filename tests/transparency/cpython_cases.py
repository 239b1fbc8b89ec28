"""Run CPython regression test modules with unittest and record each case's outcome.

    python3 cpython_cases.py OUT.json MODULE [MODULE...]   (MODULE: test.test_os, or a case id)

Writes {case id: outcome} to OUT.json, outcome one of ok, FAIL, ERROR, skipped, expected
failure, unexpected success; a case with failing subtests is FAIL (ERROR if one raised). The
tests' own output goes to stdout/stderr as usual and is not parsed: the outcomes come from the
unittest result object, so interleaved output cannot confuse them. Runs in a fresh temporary
working directory, as regrtest does.
"""
import json
import os
import sys
import tempfile
import unittest

RANK = {"ok": 0, "skipped": 0, "expected failure": 0, "unexpected success": 1, "FAIL": 2,
        "ERROR": 3}


class Recorder(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def _set(self, test, outcome):
        key = test.id()
        old = self.outcomes.get(key)
        if old is None or RANK[outcome] > RANK[old]:
            self.outcomes[key] = outcome

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "ok")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "FAIL")

    def addError(self, test, err):
        super().addError(test, err)
        # setUpClass/module errors come as _ErrorHolder "tests": keyed by their description.
        self._set(test, "ERROR")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skipped")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._set(test, "ERROR" if not issubclass(err[0], test.failureException) else "FAIL")


def main():
    out, names = sys.argv[1], sys.argv[2:]
    out = os.path.abspath(out)
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    with tempfile.TemporaryDirectory(prefix="cpython-cases-") as cwd:
        os.chdir(cwd)
        runner = unittest.TextTestRunner(resultclass=Recorder, verbosity=2, stream=sys.stderr)
        result = runner.run(suite)
        os.chdir("/")
    with open(out, "w") as f:
        json.dump(result.outcomes, f, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
