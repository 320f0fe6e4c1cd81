// Polling that pauses while the tab is hidden (Page Visibility) and stops with its screen.
export function poll(context, seconds, tick) {
  let timer = null;
  const run = async () => {
    if (document.visibilityState === 'visible') {
      try { await tick(); } catch { /* the next round tries again */ }
    }
    timer = window.setTimeout(run, seconds * 1000);
  };
  const visible = () => { if (document.visibilityState === 'visible') { window.clearTimeout(timer); run(); } };
  document.addEventListener('visibilitychange', visible);
  timer = window.setTimeout(run, seconds * 1000);
  context.stop.push(() => {
    window.clearTimeout(timer);
    document.removeEventListener('visibilitychange', visible);
  });
}
