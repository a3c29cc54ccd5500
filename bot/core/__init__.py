"""The conversation core, split along its seams. Adapters call the facade, `Conversation`.

    Inbound ─▶ intake ─▶ quick answer (answers)
                  └────▶ JobRequest ─▶ scheduler (per-chat order) ─▶ jobs: upload, turn, export
                                                                        │    delivery, fallback
                  Port ◀── progress, text, results, explain (every failure's sentence) ◀┘

`intake` decides what a message means and hands back plain data; `scheduler` knows only keys,
users and tasks; `jobs` run one request each against a port and a backend; `guard` turns every
way a job can fail into a sentence from `explain` and a consistent store; `resume` picks up what a
previous process left in flight.
"""
