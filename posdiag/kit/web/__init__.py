"""The kit's page for the technician's phone: `posdiag kit serve` (docs/field-kit.md §Phone).

The server and the processes it shows run apart: the kit service (`kit run`, `kit once`)
and the acceptance plan it starts (`posdiag test`) write small JSON files into the kit's
state folder, ``<state>/web/``; the server only watches them and writes one kind of file
back, the answer to a prompt. Nothing here needs the web stack except ``app`` and
``server`` (the ``kit-web`` extra): the writers run in every kit.

    channel.py   the folder, atomic JSON files, the server's presence lock
    status.py    the cycle's state, progress and last errors (written by the kit)
    prompts.py   operator prompts and their answers, one at a time
    operator.py  the "kit-page" operator backend of `posdiag test --kit-page DIR`
    auth.py      the kit's secret, session and CSRF tokens, failed-attempt limits
    language.py  zh-CN or en from Accept-Language
    views.py     what each page says, in the request's language
    app.py       the Starlette application (routes, auth, Server-Sent Events)
    server.py    addresses of the access-point interface, uvicorn
"""
