/** Whether the window is phone-narrow (below 768 px), kept up to date as it resizes. */
import { onScopeDispose, ref } from 'vue';

export const NARROW_QUERY = '(max-width: 767px)';

export function useNarrow() {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(NARROW_QUERY) : null;
  const narrow = ref(query?.matches ?? false);
  const update = (event: MediaQueryListEvent) => {
    narrow.value = event.matches;
  };
  query?.addEventListener('change', update);
  onScopeDispose(() => query?.removeEventListener('change', update));
  return narrow;
}
