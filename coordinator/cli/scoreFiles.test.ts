import { describe, expect, it } from 'vitest';
import { classifyBatchLine, idsFromCsv } from './scoreFiles.ts';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('fedmark score files', () => {
  it('reads the id column of a CSV with a header, quoted IDs with delimiters inside, any delimiter', () => {
    expect(idsFromCsv(bytes('segment;ID\na;"C-1;x"\nb;" C2 "\nc;"say ""hi"""\n'), 'ids.csv')).toEqual(['C-1;x', 'C2', 'say "hi"']);
    expect(idsFromCsv(bytes('customer\r\n133\r\n\r\n"42,7"\r\n'), 'ids.csv')).toEqual(['133', '42,7']);
    expect(idsFromCsv(bytes('a,cust\n1,X\n2,Y\n'), 'ids.csv', 'cust')).toEqual(['X', 'Y']);
  });

  it('names the file and what is missing when no column holds the IDs', () => {
    expect(() => idsFromCsv(bytes('a,b\n1,2\n'), 'ids.csv')).toThrow('request --file ids.csv: no column is named "id" among its 2: name it with --id-column');
    expect(() => idsFromCsv(bytes('a,b\n1,2\n'), 'ids.csv', 'cust')).toThrow('has no column "cust"');
    expect(() => idsFromCsv(bytes('id,b\n1,2,3\n'), 'ids.csv')).toThrow(/ids\.csv row 1: has 3 fields/);
  });

  it('tells results from progress and error lines of the batch stream', () => {
    expect(classifyBatchLine('{"id":"1","score":0.5,"decile":3,"status":"ok"}', 'ndjson')).toEqual({ result: '{"id":"1","score":0.5,"decile":3,"status":"ok"}' });
    expect(classifyBatchLine('{"progress":{"done":10000,"total":12001}}', 'ndjson')).toEqual({ progress: { done: 10_000, total: 12_001 } });
    expect(classifyBatchLine('{"error":{"code":"FM_ERR_JOB_TIMEOUT","message":"late"}}', 'ndjson')).toEqual({ error: 'FM_ERR_JOB_TIMEOUT: late' });
    expect(classifyBatchLine('# error FM_ERR_JOB_PARTY_OFFLINE: party host is not connected', 'csv')).toEqual({ error: 'FM_ERR_JOB_PARTY_OFFLINE: party host is not connected' });
    expect(classifyBatchLine('"a,b",0.5,3,ok', 'csv')).toEqual({ result: '"a,b",0.5,3,ok' });
  });
});
