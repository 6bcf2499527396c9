import { describeEveryPage } from "./every-page";

describeEveryPage("ar");
