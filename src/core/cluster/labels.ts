import { LabelSelector } from '../manifest/types';

/** Does a set of labels satisfy a LabelSelector? `{}` selects everything. */
export function matchesSelector(labels: Record<string, string>, selector: LabelSelector): boolean {
  for (const key in selector.matchLabels) {
    if (labels[key] !== selector.matchLabels[key]) return false;
  }
  for (const req of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In': if (!has || !req.values.includes(labels[req.key])) return false; break;
      case 'NotIn': if (has && req.values.includes(labels[req.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** A plain map selector (Service, ReplicationController, nodeSelector): every pair must match. */
export function matchesMap(labels: Record<string, string>, selector: Record<string, string>): boolean {
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

export function formatSelector(selector: LabelSelector): string {
  const parts = Object.keys(selector.matchLabels).sort().map((k) => `${k}=${selector.matchLabels[k]}`);
  for (const e of selector.matchExpressions) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${e.values.join(',')})`);
  }
  return parts.length ? parts.join(',') : '{} (everything)';
}
