import {
  NodeConnectionTypes,
  type IDataObject,
  type IExecuteFunctions,
  type INodeExecutionData,
  type INodeType,
  type INodeTypeDescription,
} from 'n8n-workflow';

import { fetchInsights, renderWeeklyReport } from '../../core/insights';
import { routeItems } from '../shared/items';

const RUNTIME_CREDENTIAL = 'paymentWebhooksRuntimeApi';
const CHART_FILE = 'payment-insights.png';

/**
 * Reads the connector runtime's business figures (`/admin/insights`) and renders the weekly
 * mail: HTML with every figure, and the charts as a PNG in a binary property whose name the
 * HTML refers to as `cid:<name>`, which is the Content-ID n8n's Send Email node gives an
 * attachment. No chart service and no Code node are needed.
 */
export class PaymentInsights implements INodeType {
  description: INodeTypeDescription = {
    displayName: 'Payment Insights',
    name: 'paymentInsights',
    icon: { light: 'file:paymentInsights.svg', dark: 'file:paymentInsights.dark.svg' },
    group: ['transform'],
    version: 1,
    subtitle: '={{ $parameter.operation }}',
    description: 'Renders the payment webhooks runtime’s insights as an HTML report with charts, for a weekly mail',
    defaults: { name: 'Payment Insights' },
    inputs: [NodeConnectionTypes.Main],
    outputs: [NodeConnectionTypes.Main],
    usableAsTool: true,
    credentials: [{ name: RUNTIME_CREDENTIAL, required: true }],
    properties: [
      {
        displayName: 'Operation',
        name: 'operation',
        type: 'options',
        noDataExpression: true,
        options: [
          {
            name: 'Render Weekly Report',
            value: 'renderWeeklyReport',
            action: 'Render the weekly insights report',
            description: 'Read /admin/insights from the runtime; output the mail’s subject and HTML, and the charts as a PNG',
          },
        ],
        default: 'renderWeeklyReport',
      },
      {
        displayName: 'Days',
        name: 'days',
        type: 'number',
        typeOptions: { minValue: 1, maxValue: 90 },
        default: 7,
        description: 'How many days back the figures reach (the runtime keeps events for 7 days in SQLite mode, 8 in Redis mode)',
      },
      {
        displayName: 'Chart Binary Property',
        name: 'chartProperty',
        type: 'string',
        default: 'chart',
        description:
          'The binary property the PNG goes in. Put the same name in the Send Email node’s Attachments option: n8n gives the attachment that Content-ID, which the HTML shows inline.',
      },
    ],
  };

  async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
    const credential = await this.getCredentials(RUNTIME_CREDENTIAL);
    const connection = { baseUrl: String(credential.baseUrl), token: String(credential.token) };
    const charts = new Map<number, INodeExecutionData['binary']>();
    const [reports] = await routeItems(this, {
      outputCount: 1,
      failedOutput: 0,
      route: async (_item, index) => {
        const days = this.getNodeParameter('days', index) as number;
        const chartProperty = this.getNodeParameter('chartProperty', index) as string;
        const insights = await fetchInsights({ ...connection, days });
        const report = renderWeeklyReport(insights, { chartContentId: chartProperty });
        charts.set(index, { [chartProperty]: await this.helpers.prepareBinaryData(report.chart.png, CHART_FILE, 'image/png') });
        return {
          output: 0,
          json: {
            subject: report.subject,
            html: report.html,
            chart: { property: chartProperty, width: report.chart.width, height: report.chart.height },
            insights: insights as unknown as IDataObject,
          },
        };
      },
    });
    // routeItems keeps JSON only; each report gets its chart back by the item it came from.
    return [reports.map((report) => ({ ...report, binary: charts.get((report.pairedItem as { item: number }).item) }))];
  }
}
