// A bare Bolt app for the chat benchmark, in its own process: Bolt's own HTTPReceiver and a
// /contact listener that only acks — the floor for any Bolt app on this machine.
//   node --import tsx bench/bare-bolt.ts <port> <signing secret> <Slack API URL>
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';

const [port, signingSecret, slackApiUrl] = process.argv.slice(2);
const receiver = new HTTPReceiver({ signingSecret: signingSecret!, endpoints: '/slack/events' });
const app = new App({
  token: 'xoxb-bench-bare',
  receiver,
  clientOptions: { slackApiUrl: slackApiUrl! },
  logLevel: LogLevel.ERROR,
});
app.command('/contact', async ({ ack }) => {
  await ack();
});
await app.start(Number(port));
process.stdout.write('ready\n');
process.on('SIGTERM', () => void app.stop().then(() => process.exit(0)));
