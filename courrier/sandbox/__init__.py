"""The SANDBOX postal provider: it plays the print shop and La Poste, with its own tables,
console and webhooks. The portal speaks to it only through the provider interface
(``courrier.providers``) and hears from it only through the signed webhook endpoint, like a
real provider. Everything of the sandbox lives in this package (one ``urls`` include), so a
production deployment can refuse it in one place."""
