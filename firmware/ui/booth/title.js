// The suggested title at review, made from the people's names and the first question, worded
// by the catalogue so it reads naturally in the session's language:
//   "Rosa Díaz and Leo talk about where they grew up" / "Rosa Díaz y Leo hablan de dónde crecieron".
// A question from the booth's starter sets carries a topic phrase; any other question is quoted.
import {entry, t} from './i18n.js';

const MAX_TITLE = 200;

// The starter-set topic of a question text, for one or two people; '' when it has none.
export function topicOf(text, count) {
  const sets = entry('starter') || [];
  for (const set of sets)
    for (const q of set.questions || []) {
      if (q.text !== text || !q.topic) continue;
      if (typeof q.topic === 'string') return q.topic;
      return (count > 1 ? q.topic.two : q.topic.one) || '';
    }
  return '';
}

// participants: [{name, role}]; questions: [text]
export function suggestTitle(participants, questions) {
  // Storytellers first: the story is theirs.
  const people = [...participants].sort((a, b) => (a.role === 'storyteller' ? 0 : 1) - (b.role === 'storyteller' ? 0 : 1));
  const names = people.map((p) => p.name.trim()).filter(Boolean);
  const count = names.length >= 2 ? 'two' : 'one';
  const vars = {a: names[0] || '', b: names[1] || ''};
  const first = (questions && questions[0]) || '';
  const topic = first ? topicOf(first, names.length) : '';
  let title;
  if (names.length === 0) title = first;
  else if (topic) title = t(`title.${count}`, {...vars, topic});
  else if (first) title = t(`title.${count}Question`, {...vars, question: first});
  else title = t(`title.${count}Plain`, vars);
  return [...title].slice(0, MAX_TITLE).join('');
}
