import { App } from 'aws-cdk-lib';
import { settingsFromContext } from './config-source';
import { buildRegionFlipApp } from './regionflip-app';

/** The CDK app (cdk.json): configuration from context `regionflip:config`, then every stack. */
const app = new App();
const { config, activeRegion } = settingsFromContext(app);
buildRegionFlipApp(app, { config, activeRegion });
app.synth();
