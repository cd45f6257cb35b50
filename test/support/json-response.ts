// Reading carelog's HTTP answers in tests: the status, the body as text, and the body as JSON when
// it is JSON (null when it is empty or not JSON, such as Slack's empty 200 acknowledgement).

export interface JsonResponse {
  status: number;
  text: string;
  json: unknown;
}

export async function readJsonResponse(res: Response): Promise<JsonResponse> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, text, json };
}
