// Starts the playground. Trunk would put this in an inline <script>; the page's
// Content-Security-Policy refuses inline scripts, so it lives in its own file (hashed and
// integrity-checked by Trunk) and reads the names of the wasm-bindgen module and the
// WebAssembly from the preload links Trunk emits for them.

// The policy also refuses style attributes (`style-src 'self'`), in markup and through
// setAttribute. plotters measures chart labels in a <span> it styles with
// setAttribute('style', …); give such calls from our own code the same styles through the
// CSSOM, which the policy allows (it only ever allowed scripts to style elements). A style
// attribute in injected markup stays refused.
const setAttribute = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (name, value) {
  if (this instanceof HTMLElement && String(name).toLowerCase() === 'style') {
    this.style.cssText = String(value);
    return undefined;
  }
  return setAttribute.call(this, name, value);
};

const js = document.querySelector('link[rel="modulepreload"][href$=".js"]');
const wasm = document.querySelector('link[rel="preload"][as="fetch"][href$=".wasm"]');
if (!js || !wasm) {
  throw new Error('Spillway: the page has no preload links for its WebAssembly; rebuild it with Trunk');
}
const { default: init } = await import(js.href);
const instance = await init({ module_or_path: wasm.href });
dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm: instance } }));
