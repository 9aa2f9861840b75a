export { default } from "../../systems/[id]/loading";
