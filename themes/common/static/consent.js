// Artist tracking pixels, loaded only after the fan accepts. The page
// includes this file only when pixels are configured. Declining, or a
// browser sending Global Privacy Control, loads nothing; the choice is kept
// in localStorage on this site, so the banner is not shown again.
(function () {
  'use strict';
  var box = document.getElementById('sl-consent');
  if (!box || navigator.globalPrivacyControl === true) return;

  var KEY = 'smartlinks-consent';
  var ids = {
    meta: box.getAttribute('data-meta'),
    tiktok: box.getAttribute('data-tiktok'),
    google: box.getAttribute('data-google')
  };
  var loaded = false;
  var granted = false;

  function stored() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function remember(choice) {
    try { localStorage.setItem(KEY, choice); } catch (e) { /* private mode: ask again next time */ }
  }
  function inject(src) {
    var s = document.createElement('script');
    s.async = true;
    s.src = src;
    document.head.appendChild(s);
  }

  var GRANTED = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted' };
  var DENIED = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied' };

  // Each vendor starts in its own "no consent" mode, then is granted, so
  // its script never runs a moment without the consent state set.
  function loadMeta(id) {
    if (!window.fbq) {
      var fbq = window.fbq = function () {
        if (fbq.callMethod) fbq.callMethod.apply(fbq, arguments); else fbq.queue.push(arguments);
      };
      if (!window._fbq) window._fbq = fbq;
      fbq.push = fbq;
      fbq.loaded = true;
      fbq.version = '2.0';
      fbq.queue = [];
      inject('https://connect.facebook.net/en_US/fbevents.js');
    }
    window.fbq('consent', 'revoke');
    window.fbq('init', id);
    window.fbq('consent', 'grant');
    window.fbq('track', 'PageView');
  }

  function loadTikTok(id) {
    var name = 'ttq';
    window.TiktokAnalyticsObject = name;
    var ttq = window[name] = window[name] || [];
    ttq.methods = ['page', 'track', 'identify', 'instances', 'debug', 'on', 'off', 'once', 'ready',
      'alias', 'group', 'enableCookie', 'disableCookie', 'holdConsent', 'revokeConsent', 'grantConsent'];
    ttq.setAndDefer = function (target, method) {
      target[method] = function () { target.push([method].concat([].slice.call(arguments))); };
    };
    ttq.methods.forEach(function (m) { ttq.setAndDefer(ttq, m); });
    ttq.instance = function (sdk) {
      var inst = ttq._i[sdk] || [];
      ttq.methods.forEach(function (m) { ttq.setAndDefer(inst, m); });
      return inst;
    };
    ttq.load = function (sdk, options) {
      var src = 'https://analytics.tiktok.com/i18n/pixel/events.js';
      ttq._i = ttq._i || {};
      ttq._i[sdk] = [];
      ttq._i[sdk]._u = src;
      ttq._t = ttq._t || {};
      ttq._t[sdk] = Date.now();
      ttq._o = ttq._o || {};
      ttq._o[sdk] = options || {};
      inject(src + '?sdkid=' + encodeURIComponent(sdk) + '&lib=' + name);
    };
    ttq.holdConsent();
    ttq.load(id);
    ttq.page();
    ttq.grantConsent();
  }

  function loadGoogle(id) {
    window.dataLayer = window.dataLayer || [];
    window.gtag = window.gtag || function () { window.dataLayer.push(arguments); };
    window.gtag('consent', 'default', DENIED);
    window.gtag('js', new Date());
    window.gtag('config', id);
    window.gtag('consent', 'update', GRANTED);
    inject('https://www.googletagmanager.com/gtag/js?id=' + encodeURIComponent(id));
  }

  function load() {
    granted = true;
    if (loaded) {
      // Accepted again after withdrawing: the scripts are already here.
      if (window.fbq) window.fbq('consent', 'grant');
      if (window.ttq && window.ttq.grantConsent) window.ttq.grantConsent();
      if (window.gtag) window.gtag('consent', 'update', GRANTED);
      return;
    }
    loaded = true;
    if (ids.meta) loadMeta(ids.meta);
    if (ids.tiktok) loadTikTok(ids.tiktok);
    if (ids.google) loadGoogle(ids.google);
  }

  // Withdrawing consent after the scripts ran: tell each vendor to stop.
  function revoke() {
    granted = false;
    if (!loaded) return;
    if (window.fbq) window.fbq('consent', 'revoke');
    if (window.ttq && window.ttq.revokeConsent) window.ttq.revokeConsent();
    if (window.gtag) window.gtag('consent', 'update', DENIED);
  }

  function show() {
    box.hidden = false;
  }

  box.addEventListener('click', function (e) {
    var button = e.target.closest('[data-consent]');
    if (!button) return;
    var accepted = button.getAttribute('data-consent') === 'accept';
    remember(accepted ? 'granted' : 'denied');
    box.hidden = true;
    if (accepted) load(); else revoke();
  });

  var reopen = document.querySelector('[data-consent="reopen"]');
  if (reopen) {
    reopen.hidden = false;
    reopen.addEventListener('click', function () {
      show();
      box.querySelector('[data-consent="accept"]').focus();
    });
  }

  // Service clicks become vendor events, once the fan has accepted.
  document.addEventListener('click', function (e) {
    var button = granted && e.target.closest && e.target.closest('a[data-service]');
    if (!button) return;
    var service = button.getAttribute('data-service');
    if (ids.meta && window.fbq) window.fbq('trackCustom', 'ServiceClick', { service: service });
    if (ids.tiktok && window.ttq) window.ttq.track('ClickButton', { content_name: service });
    if (ids.google && window.gtag) window.gtag('event', 'service_click', { service: service, transport_type: 'beacon' });
  });

  var choice = stored();
  if (choice === 'granted') load();
  else if (choice !== 'denied') show();
})();
