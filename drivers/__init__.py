"""Device drivers, installed as ``posdiag.drivers``.

Each sub-package implements one device protocol behind the small interfaces in
``posdiag.devices``. Third-party drivers register in the ``posdiag.drivers``
entry-point group; see ``posdiag.registry``.
"""
