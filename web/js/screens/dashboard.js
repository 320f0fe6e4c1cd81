// The KPI dashboard (docs/kpis.md): GET /api/v1/stats with the agent's token, drawn as bar
// charts (charts.js: inline SVG, no library), each with its data table. The selectors are a
// plain form (period, grouping, dates): changing one reads the figures again. Every name comes
// from the report's `labels` in the page's language; codes stay the keys.
import { h, clear, announce } from '../dom.js';
import { barChart } from '../charts.js';
import { clearErrors, showErrors } from '../forms.js';
import { currentLanguage, t } from '../i18n.js';
import { agentGate, problemBox } from './desk.js';

const PERIODS = ['day', 'week', 'month'];
const GROUPINGS = ['theme', 'sub_theme', 'channel', 'team', 'status'];
const AGES = ['lt_2d', '2d_7d', '7d_30d', 'gt_30d'];

function number(value, digits = 0) {
  if (value === null || value === undefined) return '—';
  const locale = currentLanguage() === 'fr' ? 'fr-FR' : 'en-GB';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value);
}

const days = (value) => number(value, 1);
const share = (value) => (value === null || value === undefined ? '—' : `${number(value * 100, 1)} %`);

function labelOf(labels, code) {
  const names = labels?.[code];
  return names ? (names[currentLanguage()] || names.fr || code) : code;
}

// The groups over the whole range: counts add up across periods (a request is received in one
// period only).
function groupTotals(report) {
  const totals = new Map();
  for (const cell of report.groups) totals.set(cell.group, (totals.get(cell.group) || 0) + cell.received);
  return [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function select(id, labelKey, values, chosen, prefix) {
  return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)),
    h('select', { id, name: id.replace('dash-', '') }, values.map((value) => h('option',
      { value, selected: value === chosen }, t(`${prefix}.${value}`)))));
}

export async function render(main, context) {
  if (!agentGate(main, context, 'dashboard.title')) return;
  const query = new URLSearchParams(window.location.search);
  const chosen = {
    period: PERIODS.includes(query.get('period')) ? query.get('period') : 'month',
    group_by: GROUPINGS.includes(query.get('group_by')) ? query.get('group_by') : 'theme',
    from: query.get('from') || '',
    to: query.get('to') || '',
  };
  const form = h('form', { class: 'selectors', id: 'dash-form' },
    select('dash-period', 'dashboard.period', PERIODS, chosen.period, 'dashboard.periods'),
    select('dash-group_by', 'dashboard.group_by', GROUPINGS, chosen.group_by, 'dashboard.groupings'),
    h('div', { class: 'field' }, h('label', { for: 'dash-from' }, t('dashboard.from')),
      h('input', { id: 'dash-from', name: 'from', type: 'date', value: chosen.from })),
    h('div', { class: 'field' }, h('label', { for: 'dash-to' }, t('dashboard.to')),
      h('input', { id: 'dash-to', name: 'to', type: 'date', value: chosen.to })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, t('dashboard.show'))));
  // Not a live region: a new set of charts is announced in one sentence (announce), not read out.
  const charts = h('div', { id: 'dash-charts', 'aria-busy': 'false' });
  main.append(form, charts);
  const draw = async () => {
    const params = Object.fromEntries(new FormData(form).entries());
    clearErrors(form);
    if (params.from && params.to && params.from > params.to) {
      // The page's own check (ISO days compare as text); the API would refuse the same.
      showErrors(form, [{ field: 'dash-from', message: t('dashboard.bad_range') }]);
      return;
    }
    // The choice is kept in the address (a link to the same figures), without a new history entry.
    const kept = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
    window.history.replaceState(null, '', `/dashboard?${kept}`);
    charts.setAttribute('aria-busy', 'true');
    try {
      const report = await context.statsApi.get('/stats', params);
      clear(charts).append(...figures(report));
      announce(t('dashboard.updated'));
    } catch (error) {
      clear(charts);
      problemBox(charts, error);
    } finally {
      charts.setAttribute('aria-busy', 'false');
    }
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); draw(); });
  for (const field of form.querySelectorAll('select')) field.addEventListener('change', draw);
  await draw();
}

function figures(report) {
  const groups = (code) => labelOf(report.labels?.groups, code);
  const grouping = t(`dashboard.groupings.${report.group_by}`);
  const period = t('dashboard.period');
  const periods = report.periods.map((cell) => ({ label: cell.period, cell }));
  const totals = report.totals || {};
  const empty = t('dashboard.empty');
  return [
    h('p', { class: 'summary', id: 'dash-total' }, t('dashboard.total', {
      n: number(totals.received || 0), median: days(totals.resolution_days?.median) })),
    barChart({
      id: 'chart-periods', title: t('dashboard.charts.periods'), rowHeader: period,
      series: [{ label: t('dashboard.received') }], format: number, empty,
      rows: periods.map(({ label, cell }) => ({ label, values: [cell.received] })),
    }),
    barChart({
      id: 'chart-groups', title: t('dashboard.charts.groups', { grouping }), rowHeader: grouping,
      series: [{ label: t('dashboard.received') }], format: number, empty,
      rows: groupTotals(report).map(([code, received]) => ({ label: groups(code), values: [received] })),
    }),
    barChart({
      id: 'chart-delays', title: t('dashboard.charts.delays'), rowHeader: period, format: days, empty,
      series: ['first_median', 'first_p90', 'resolution_median', 'resolution_p90']
        .map((key) => ({ label: t(`dashboard.${key}`) })),
      rows: periods.map(({ label, cell }) => ({ label, values: [
        cell.first_action_days?.median ?? null, cell.first_action_days?.p90 ?? null,
        cell.resolution_days?.median ?? null, cell.resolution_days?.p90 ?? null] })),
    }),
    barChart({
      id: 'chart-backlog', title: t('dashboard.charts.backlog', { grouping }), rowHeader: grouping,
      format: number, empty, series: AGES.map((age) => ({ label: t(`dashboard.ages.${age}`) })),
      rows: report.backlog.map((row) => ({ label: groups(row.group), values: AGES.map((a) => row[a]) })),
    }),
    barChart({
      id: 'chart-target', title: t('dashboard.charts.target'), rowHeader: period, format: share, empty,
      series: [{ label: t('dashboard.share') }],
      rows: periods.map(({ label, cell }) => ({ label,
        values: [cell.resolved_within_target?.share ?? null] })),
    }),
  ];
}
