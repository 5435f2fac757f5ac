// Share, click-to-play video and the in-app browser hint for Smart Link
// pages. Everything here adds to markup that already works without it:
// service and save buttons are plain links, the video poster links to the
// video. Counting is the beacon script's job (it listens for data-action).
(function () {
  'use strict';
  var status = document.querySelector('.action-status');
  var timer;
  function say(text) {
    if (!status) return;
    status.textContent = text;
    clearTimeout(timer);
    timer = setTimeout(function () { status.textContent = ''; }, 6000);
  }

  // Older in-app browsers lack the async clipboard; a selected textarea
  // and execCommand still copies there.
  function legacyCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    area.remove();
    return ok;
  }

  function copy(url) {
    function fallback() {
      say(legacyCopy(url) ? 'Link copied' : 'Copy this link: ' + url);
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { say('Link copied'); }, fallback);
    } else {
      fallback();
    }
  }

  var share = document.querySelector('[data-action="share"]');
  if (share) {
    share.hidden = false;
    share.addEventListener('click', function () {
      var url = share.getAttribute('data-url') || location.href;
      var title = share.getAttribute('data-title') || document.title;
      if (typeof navigator.share === 'function') {
        navigator.share({ title: title, url: url }).catch(function (e) {
          // The fan closing the share sheet is not a failure.
          if (!e || e.name !== 'AbortError') copy(url);
        });
      } else {
        copy(url);
      }
    });
  }

  document.addEventListener('click', function (e) {
    var poster = e.target.closest && e.target.closest('a[data-action="video"][data-embed]');
    if (!poster || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    var frame = document.createElement('iframe');
    frame.className = 'video-frame';
    frame.src = poster.getAttribute('data-embed');
    frame.title = poster.getAttribute('data-title') || 'Video';
    frame.allow = 'autoplay; encrypted-media; picture-in-picture; fullscreen';
    frame.allowFullscreen = true;
    frame.referrerPolicy = 'strict-origin-when-cross-origin';
    poster.replaceWith(frame);
    frame.focus();
  });

  var hint = document.getElementById('inapp-hint');
  var ua = navigator.userAgent;
  var app = /Instagram/.test(ua) ? 'Instagram'
    : /musical_ly|BytedanceWebview|TikTok/i.test(ua) ? 'TikTok'
    : /FBAN|FBAV|FB_IAB|FBIOS/.test(ua) ? 'Facebook' : '';
  if (hint && app) {
    hint.querySelector('[data-inapp-name]').textContent = app + '’s browser';
    hint.hidden = false;
  }
})();
