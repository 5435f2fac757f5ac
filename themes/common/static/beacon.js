// First-party analytics. One small JSON beacon per event: a view on load, and
// a click on any [data-service] or [data-action] control. No cookies, no
// storage, no identifiers; the server adds the country and keeps no IP.
// Configured by its own <script> tag: data-endpoint, data-artist, data-link.
(function () {
  var ds = (document.currentScript || {}).dataset;
  if (!ds || !ds.endpoint || !ds.artist || !ds.link) return;
  var nav = navigator, ua = nav.userAgent;
  // The server refuses markup and over-long values; trimming here keeps the
  // event instead of losing it.
  var clean = function (v, max) {
    return v.replace(/[\u0000-\u001f\u007f<>"'`\\\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, max);
  };
  var utm = {}, any = 0, q = new URLSearchParams(location.search);
  ['source', 'medium', 'campaign', 'term', 'content'].forEach(function (k) {
    var v = clean(q.get('utm_' + k) || '', 128);
    if (v) { utm[k] = v; any = 1; }
  });
  var referrer;
  try {
    var r = new URL(document.referrer);
    if (/^https?:$/.test(r.protocol)) referrer = r.origin;
  } catch (e) { /* no referrer */ }
  var locale = /^[\w-]{1,35}$/.test(nav.language || '') ? nav.language : undefined;
  var device = /iPad|Tablet|PlayBook|Silk|Kindle|Android(?!.*Mobi)/i.test(ua) ||
    (/Macintosh/.test(ua) && nav.maxTouchPoints > 1) ? 'tablet'
    : /Mobi|iPhone|iPod|Android|Opera Mini|IEMobile/i.test(ua) ||
      (matchMedia('(pointer:coarse)').matches && Math.min(screen.width, screen.height) < 600) ? 'mobile'
    : 'desktop';

  function send(kind, service) {
    var body = JSON.stringify({
      kind: kind, artist: ds.artist, link: ds.link, service: service,
      referrer: referrer, utm: any ? utm : undefined, device: device,
      locale: locale, ts: Date.now()
    });
    // A string body goes out as text/plain, which needs no CORS preflight;
    // the browser delivers it even when the page is being left.
    try { if (nav.sendBeacon && nav.sendBeacon(ds.endpoint, body)) return; } catch (e) { /* fall through */ }
    try { fetch(ds.endpoint, { method: 'POST', body: body, keepalive: true, credentials: 'omit' }); } catch (e) { /* give up */ }
  }

  // Capture phase, and the click is never cancelled: the fan's navigation is not
  // delayed, and a theme's own handlers cannot hide the event.
  function onClick(e) {
    if (e.type === 'auxclick' && e.button !== 1) return;
    var el = e.target.closest && e.target.closest('[data-service],[data-action]');
    if (!el) return;
    var service = el.getAttribute('data-service'), action = el.getAttribute('data-action');
    if (service) send('click', service);
    else if (/^(share|save|video)$/.test(action)) send(action);
  }
  document.addEventListener('click', onClick, true);
  document.addEventListener('auxclick', onClick, true);
  send('view');
  // A page restored from the back/forward cache is seen again.
  addEventListener('pageshow', function (e) { if (e.persisted) send('view'); });
})();
