import { describeEveryPage } from "./every-page";

describeEveryPage("en");
