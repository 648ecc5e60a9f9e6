// The API documentation page (Redoc, served from drf-spectacular's sidecar). Redoc's menu ends
// with « API docs by Redocly » and a logo it loads from Redocly's CDN: the Content-Security-Policy
// refuses it (an error in the console) and this page makes no third-party request. Loaded before
// Redoc, this swaps that one address for a blank image; everything else is left as it is.
(function () {
  const CDN = "https://cdn.redoc.ly/";
  const BLANK = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
  function local(value) { return typeof value === "string" && value.indexOf(CDN) === 0 ? BLANK : value; }
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, String(name).toLowerCase() === "src" ? local(value) : value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true, enumerable: src.enumerable, get: src.get,
    set(value) { src.set.call(this, local(value)); },
  });
})();
