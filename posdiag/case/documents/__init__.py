"""The documents of a repair case people sign: the replacement request (换机申请表) and the
acceptance certificate (验收单), rendered from one signed revision of the case.

``request`` and ``certificate`` build a ``posdiag.documents.model.Document`` from a case (pure,
in the language active); ``evidence`` reads and checks what the certificate shows beside the
case (the test record, its signature, its receipts drawn as pictures); ``service`` renders a
case's document to bytes (HTML or PDF), writes it and records it in the case, and checks a PDF
against the case revision its QR code names. docs/documents.md.
"""
