"""The agents' tools: one package per service and the gate every side effect passes.

Each service package (email, calendar, slack, browser) holds its LangChain tools, the
real-client backend and the sandbox backend side by side; `tools.gate` is the policy gate
(permission, approval, data flow, idempotency); `backends` holds the protocols.
"""
