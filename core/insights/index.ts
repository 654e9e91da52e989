import { AdminApiClient, type AdminApiOptions } from '../runtime-admin';
import type { Insights } from './types';

export * from './types';
export { renderWeeklyReport, percent, type WeeklyReport, type WeeklyReportOptions } from './report';

/** `GET /admin/insights?days=N` of a running connector runtime (1 to 90 days, bearer token). */
export async function fetchInsights(options: AdminApiOptions & { days: number }): Promise<Insights> {
  const { days, ...connection } = options;
  const answer = await new AdminApiClient(connection, '/admin/insights').request('GET', '', { query: new URLSearchParams({ days: String(days) }) });
  return answer.body as Insights;
}
