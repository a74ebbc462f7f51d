import type { CommandModule } from 'yargs';
import { formatDoctorReport, runDoctor } from '../../doctor/index.js';

interface DoctorArgs {
  json: boolean;
}

export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'Check what this machine can do (Node, npm, tfjs backends, ONNX Runtime providers, datasets, Chromium), with a fix for each missing piece',
  builder: (y) =>
    y
      .example('$0 doctor', 'a table, then one fix line per missing piece')
      .example('$0 doctor --json', '{ icmixVersion, platform, checks: [{ group, name, ok, detail, fix? }] } for scripts')
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .epilogue('Every probe does the real thing (loads the backend, runs a tiny model on each runtime). Exits 0 whatever is missing.'),
  handler: async (a) => {
    const report = await runDoctor();
    process.stdout.write(a.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report));
  },
};
