// Behaviour of the page controls every theme marks up the same way (see
// themes/README.md): share, and click-to-play video. Analytics is beacon.js's
// job; this file only makes the controls work.
(function () {
  function share(el) {
    var url = el.getAttribute('data-url') || location.href.split('?')[0];
    var title = el.getAttribute('data-title') || document.title;
    var status = el.querySelector('[data-share-status]') || el;
    var label = status.textContent;
    var copied = function () {
      status.textContent = 'Link copied';
      setTimeout(function () { status.textContent = label; }, 2000);
    };
    if (navigator.share) {
      navigator.share({ title: title, url: url }).catch(function () { /* dismissed */ });
    } else if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(copied, function () { prompt('Copy this link', url); });
    } else {
      prompt('Copy this link', url);
    }
  }

  // The player is created only now, so nothing of it loads before the fan asks.
  function video(el) {
    var src = el.getAttribute('data-embed');
    if (!src) return;
    var frame = document.createElement('iframe');
    frame.src = src;
    frame.title = el.getAttribute('data-title') || 'Video';
    frame.allow = 'autoplay; encrypted-media; picture-in-picture; fullscreen';
    frame.allowFullscreen = true;
    frame.className = 'video-frame';
    el.replaceWith(frame);
  }

  document.addEventListener('click', function (e) {
    var el = e.target.closest && e.target.closest('button[data-action]');
    if (!el) return;
    var action = el.getAttribute('data-action');
    if (action === 'share') share(el);
    else if (action === 'video') video(el);
  });
})();
