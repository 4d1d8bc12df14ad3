"""The offline model: a deterministic stand-in for an LLM, for demos and tests.

It speaks LangChain's chat-model interface (`model.OfflineChatModel`) and answers the same
structured questions a real provider is asked (classification, route, email drafts,
summaries, tool calls), from the task's own words, with no network and no randomness. It is
what `DELEGATE_MODEL=offline` (the default) builds; a real model replaces it with one setting.

How it is organised:
- `model`: the chat model itself; it dispatches a request to one of the modules below.
- reading a task: `text` (addresses, names, dates, lists), `languages` (German, Spanish
  and French read through an English gloss; one-letter typos in verbs), `lexicon` (word lists),
  `signals` (what the task asks for), `classifier` (the strategy it picks), `subtasks`
  and `plans` (what a `decompose` splits into), `schedule` (when a meeting should be).
- writing: `writer` (which kind of deliverable), `email`, `messages`, `notes`, `actions`,
  `outline`, `voice`, `translate`; `schema` and `known` fill structured-output schemas.
- acting: `tools` plans the next tool call an agent would make.
How good it is: `delegate eval` (agents.evaluation) scores it, like any configured model,
on the labelled sets under tests/data/eval.

Keyword rules belong here and nowhere else: the rest of Delegate sees only the answers.
"""
