"""Acceptance test plans: TOML plans, a runner that emits events, operator prompts, records.

    loader.load_plan(path) -> Plan            validated before any device is touched
    runner.run_plan(plan, bench, operator)    -> RunResult, events to listeners
    service.run_test(port, plan_path, ...)    the whole `posdiag test` in one call
"""
