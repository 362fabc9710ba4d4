"""Benchmarks of AgentFlow itself (``agentflow bench ...``); see docs/benchmarks.md.

Nothing here is imported by the product: the benchmarks drive the engine, the
worker pool and the services from the outside, on their own throwaway servers.
"""
