/**
 * The local sink for what APIM sends elsewhere: `log-to-eventhub` messages (Event Hubs through a
 * logger), `emit-metric` values (Application Insights custom metrics). The gateway hands each event
 * to `GatewayOptions.onEvent`; the runtime keeps them for the console and `trustline` commands, and
 * `trustline policy run --json` prints them. Events hold what the policy wrote, so never log them.
 */
export type GatewayEvent =
  | { kind: 'eventhub'; requestId: string; loggerId: string; partitionId?: string; partitionKey?: string; message: string; time: string }
  | { kind: 'metric'; requestId: string; name: string; namespace: string; value: number; dimensions: Record<string, string>; time: string };
