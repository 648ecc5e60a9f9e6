"""The SANDBOX providers of the résiliation app — e-signature, registered e-mail (LRE) and the
identity operator's references —: complete, local, with their own tables, pages and webhooks.

The portal speaks to them only through the provider protocol (``resiliation.providers``) and
hears from them only through the signed webhook endpoint, like a real provider; they never
import the app's services, selectors or webhooks (``tests/resiliation/test_imports.py``).
Everything of the sandbox lives in this package (one ``urls`` include, its own beat task), so
a production deployment refuses it in one place.
"""
