// TypeScript under node16/nodenext, CommonJS side: require() of the package.
import gongkit = require("gongkit");
const text: string = gongkit.formatTranscript("[]", { timestamps: true });
const name: string | undefined = gongkit.accountFromEmail("bob@acme.co.uk");
export = [text, name];
