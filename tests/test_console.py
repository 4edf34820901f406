"""Tests of what a user sees: the package logger, and TensorFlow's start-up lines held back."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

from tfv1_mnist import console

TF_LINES = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796115082.781925    7481 cudart_stub.cc:31] Could not find cuda drivers on your machine, "
    "GPU will not be used.",
    "E0000 00:00:1796115085.977180    7481 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
    "I0000 00:00:1796114985.837210    6443 cpu_feature_guard.cc:227] This TensorFlow binary is optimized",
]


def test_filtered_stderr_drops_tensorflow_start_lines_and_keeps_the_rest(capfd):
    with console.filtered_stderr():
        for line in TF_LINES:
            os.write(2, (line + "\n").encode())
        os.write(2, b"Traceback: a real error\n")
        os.write(2, b"E0000 00:00:1.0 1 some_kernel.cc:9] an error from another kernel\n")
    os.write(2, TF_LINES[1].encode() + b"\n")  # after the block: passes
    err = capfd.readouterr().err.splitlines()
    assert err == ["Traceback: a real error", "E0000 00:00:1.0 1 some_kernel.cc:9] an error from another kernel",
                   TF_LINES[1]]


def test_filtered_stderr_restores_stderr_when_the_block_raises(capfd):
    try:
        with console.filtered_stderr():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    os.write(2, b"still here\n")
    assert capfd.readouterr().err == "still here\n"


def test_configure_logging_leaves_the_root_logger_alone():
    root_handlers = list(logging.getLogger().handlers)
    console.configure_logging(logging.INFO)
    console.configure_logging(logging.DEBUG)
    log = logging.getLogger("tfv1_mnist")
    try:
        assert [h.get_name() for h in log.handlers].count("tfv1_mnist.console") == 1
        assert log.level == logging.DEBUG and not log.propagate
        assert logging.getLogger().handlers == root_handlers
    finally:
        for h in [h for h in log.handlers if h.get_name() == "tfv1_mnist.console"]:
            log.removeHandler(h)
        log.propagate = True
        log.setLevel(logging.NOTSET)


def test_quiet_filters_the_known_runtime_line_and_keeps_other_errors(capfd):
    with console.quiet():
        os.write(2, b"E0000 00:00:1796118411.437293   11598 node_def_util.cc:682] NodeDef mentions attribute "
                    b"use_unbounded_threadpool which is not in the op definition\n")
        os.write(2, b"E0000 00:00:1.0 1 node_def_util.cc:9] another problem\n")
    assert capfd.readouterr().err == "E0000 00:00:1.0 1 node_def_util.cc:9] another problem\n"


def test_quiet_tensorflow_start_in_a_fresh_process_prints_nothing():
    code = textwrap.dedent("""
        import logging, sys
        from tfv1_mnist import console
        console.quiet_tensorflow_start()
        import tensorflow as tf
        print(float(tf.constant(2.0) * 3.0))
        # absl's INFO records (the checkpoint saver's) reach the root logger, which shows only warnings.
        console.configure_logging(logging.INFO)
        logging.getLogger("absl").info("Sharding callback duration: 26 microseconds")
        logging.getLogger("tfv1_mnist").info("ours")
    """)
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "6.0\n"
    assert proc.stderr == "ours\n"


def test_filtered_stderr_ends_while_a_child_that_inherited_the_pipe_lives_on(capfd):
    import time

    with console.filtered_stderr():
        child = subprocess.Popen([sys.executable, "-c", "import sys, time; print('from child', file=sys.stderr, "
                                  "flush=True); time.sleep(30)"])
        time.sleep(1.0)
        start = time.perf_counter()
    try:
        assert time.perf_counter() - start < 5  # the block ended: the relay did not wait for the child
        assert "from child" in capfd.readouterr().err
    finally:
        child.kill()
        child.wait()
